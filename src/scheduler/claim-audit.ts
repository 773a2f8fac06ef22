import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { JobState } from '../etcd/lock.service';
import { JobSpec } from '../jobs/job.model';
import { RunsRepository } from '../logs/runs.repository';
import { RunLogService } from './run-log/run-log.service';
import { RunOutcomesService } from './run-outcomes.service';
import { notRunRecord } from './tick-records';
import { AuditLedger } from './audit-ledger';

/** A claim's own records reach MongoDB well within this (or its worker's journal replays them). */
const UNRECORDED_CLAIM_GRACE_MS = 15_000;
/**
 * While the claim may still be recorded (a hand-back waits, MongoDB is away), look again this
 * many times at most (5 minutes): a run log's backlog is not bounded by the grace period, and a
 * `lost` written for a tick that ran is a false alert.
 */
const MAX_LOOKS = 20;
/**
 * Another claimer registered again may still replay the record from its journal, or may have died
 * before journaling it (killed between the claim and the start): it gets a minute, not five.
 */
const LIVE_CLAIMER_LOOKS = 4;

/** What the audit asks the scheduler about a claimed tick when its grace period ends. */
export interface ClaimWhereabouts {
  /** The run is running here, or this worker still settles or hands back the claim. */
  inHand(runId: string): boolean;
  /** A trigger with the run's id waits (a claim handed back, not yet consumed). */
  triggered(job: string, runId: string): boolean;
  /**
   * Another claimer is registered again (restarted with its id, or resumed): its journal or its
   * hand-back may bring the record, however slowly MongoDB takes it.
   */
  registered(workerId: string): boolean;
}

/**
 * A mark names the last tick claimed. When its claimer is gone (or was this worker before a
 * restart), the claim may have committed while its process died before the answer arrived, so
 * nothing ever recorded that tick. After a grace period, in which the claimer's own records
 * reach MongoDB (a restarted worker replays its journal, a resumed one hands its claim back),
 * the tick is written `lost` unless a record of it exists, and the job's failure alert is raised.
 * While another claimer is registered again, it is given a few more grace periods. When the
 * claimer was this worker before a restart, this worker knows where the record could be: in the
 * earlier process's journal, which it replays itself; once that replay is done, one grace period
 * is all (waiting for itself as for a stranger left such ticks unrecorded for a minute).
 * The write is an insert-if-absent, so a record that arrives later still wins.
 */
interface Audit {
  spec: JobSpec;
  state: JobState;
  where: ClaimWhereabouts;
  looks: number;
  dueAt: number;
}

@Injectable()
export class ClaimAudit {
  private readonly logger = new Logger(ClaimAudit.name);
  /** By runId. Audits come in crowds (a takeover reads a dead worker's marks all at once). */
  private readonly audits = new Map<string, Audit>();
  private timer?: NodeJS.Timeout;

  private adoptTimer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly runLog: RunLogService,
    private readonly records: RunsRepository,
    private readonly outcomes: RunOutcomesService,
    private readonly ledger: AuditLedger,
  ) {}

  audit(spec: JobSpec, state: JobState, where: ClaimWhereabouts, kept = false): void {
    if (this.audits.has(state.runId)) return;
    this.audits.set(state.runId, { spec, state, where, looks: 0, dueAt: this.later() });
    if (!kept) void this.ledger.open({ job: spec.name, state });
    this.arm();
  }

  /**
   * Takes over, every grace period, the audits whose auditor went away before settling them
   * (see AuditLedger); `specOf` finds the job (a deleted job's audit is dropped).
   */
  adoptOrphans(
    specOf: (job: string) => Promise<JobSpec | undefined>,
    where: ClaimWhereabouts,
  ): void {
    clearInterval(this.adoptTimer);
    this.adoptTimer = setInterval(() => {
      void this.ledger
        .adoptOrphans()
        .then(async (entries) => {
          for (const { job, state } of entries) {
            const spec = await specOf(job);
            if (spec) this.audit(spec, state, where, true);
            else void this.ledger.close(state.runId);
          }
        })
        .catch(() => undefined);
    }, UNRECORDED_CLAIM_GRACE_MS);
    this.adoptTimer.unref();
  }

  stop(): void {
    clearInterval(this.adoptTimer);
  }

  private later(): number {
    return Date.now() + UNRECORDED_CLAIM_GRACE_MS;
  }

  private arm(): void {
    if (this.timer || this.audits.size === 0) return;
    const next = Math.min(...[...this.audits.values()].map((a) => a.dueAt));
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.settleDue()
          .catch(() => undefined)
          .finally(() => this.arm());
      },
      Math.max(0, next - Date.now()),
    );
    this.timer.unref();
  }

  /**
   * Every audit due now, with one read of MongoDB for all of them (on FerretDB v1 each read is a
   * scan of the collection, so one per audit would be a scan per tick of every job taken over).
   */
  private async settleDue(): Promise<void> {
    const now = Date.now();
    const due = [...this.audits.values()].filter((a) => a.dueAt <= now);
    if (due.length === 0) return;
    let recorded: Set<string> | undefined;
    try {
      const runIds = due.map((a) => a.state.runId);
      recorded = new Set((await this.records.byIds(runIds, { _id: 0, runId: 1 })).keys());
    } catch {
      // MongoDB is away: look again (the insert-if-absent could not overwrite a record anyway).
    }
    const lost: Promise<void>[] = [];
    for (const audit of due) {
      const { spec, state, where } = audit;
      if (recorded?.has(state.runId)) {
        this.audits.delete(state.runId);
        void this.ledger.close(state.runId);
        continue;
      }
      audit.looks += 1;
      const pending =
        recorded === undefined ||
        where.inHand(state.runId) ||
        where.triggered(spec.name, state.runId) ||
        this.claimerMayRecord(audit);
      if (pending && audit.looks < MAX_LOOKS) {
        audit.dueAt = this.later();
        continue;
      }
      this.audits.delete(state.runId);
      lost.push(this.recordLost(spec, state).then(() => this.ledger.close(state.runId)));
    }
    // Together: each write resolves when durable (a flush period), and a takeover audits many.
    await Promise.all(lost);
  }

  /** Whether the claimer itself may still bring the record (see the class comment). */
  private claimerMayRecord(audit: Audit): boolean {
    const claimer = audit.state.workerId;
    if (claimer === this.config.WORKER_ID) return this.runLog.replayPending();
    return audit.where.registered(claimer) && audit.looks < LIVE_CLAIMER_LOOKS;
  }

  private async recordLost(spec: JobSpec, state: JobState): Promise<void> {
    const claimer = state.workerId;
    const identity = {
      runId: state.runId,
      job: spec.name,
      tick: state.lastTick,
      trigger: 'schedule' as const,
      workerId: claimer,
    };
    const error = `claimed by worker ${claimer}, which stopped before recording the run`;
    const record = notRunRecord(spec, identity, 'lost', error, Date.now());
    this.logger.warn({
      msg: 'claimed tick recorded lost',
      job: spec.name,
      runId: state.runId,
      workerId: claimer,
    });
    await this.runLog.recordIfAbsent(record);
    this.outcomes.ended(spec, record);
  }
}
