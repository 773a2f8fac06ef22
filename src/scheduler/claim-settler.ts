import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ClaimOutcome } from '../etcd/claim-history';
import { JobState, LockService } from '../etcd/lock.service';
import { JobSpec } from '../jobs/job.model';
import { RunTrigger } from '../logs/run.model';
import { WorkerSessionService } from '../workers/worker-session.service';
import { RunLogService } from './run-log/run-log.service';
import { RunOutcomesService } from './run-outcomes.service';
import { ClaimedRun, RunnerService } from './runner.service';
import { handedBackAs, notRunRecord } from './tick-records';
import { WorkerRequestsRepository } from './worker-requests.repository';

/** A tick claim this worker sent: enough to start it, settle it or hand it back. */
export interface SentClaim {
  spec: JobSpec;
  runId: string;
  tick: number;
  trigger: RunTrigger;
  stateName: string;
  /** The mark's revision the compare-and-swap expected, and what it wrote. */
  expectedRevision: number;
  state: JobState;
  runningKey: string;
  /** The session lease the running key was put on. */
  leaseId: string;
}

/** A claim in doubt is settled no sooner than this after its failure (a retry may still land). */
const DOUBT_SETTLE_MS = 2000;
const RETRY_MS = 1000;
/** Settling or handing back gives up after this many failed attempts (about ten minutes). */
const MAX_ATTEMPTS = 600;

interface Doubt {
  claim: SentClaim;
  notBefore: number;
  attempts: number;
}

/**
 * Claims this worker made but did not start, and what becomes of them (docs/coordination.md,
 * "Claims in doubt and claims handed back"):
 * - in doubt: the transaction failed without an answer (deadline, disconnect, this process
 *   paused). Once etcd answers again, etcd's history says whether it committed (claim-history.ts).
 * - unconfirmed: it committed, but the answer came when the session could no longer be vouched
 *   for (the process was paused past its lease). It starts once a keep-alive confirms the same
 *   lease, and is handed back if that lease is lost.
 * A committed claim that cannot start under its own lease is handed back: the tick follows its
 * job's misfire policy (run by the owner through a trigger under the tick's own run id, or
 * recorded `missed`), so a tick is `lost` only when no process can know whether it started.
 */
@Injectable()
export class ClaimSettler {
  private readonly logger = new Logger(ClaimSettler.name);
  /** By claim attempt (`runId` and the mark's claim id): the same tick may be claimed again. */
  private readonly doubts = new Map<string, Doubt>();
  private readonly unconfirmed = new Map<string, { claim: SentClaim; runningRevision: number }>();
  private readonly handingBack = new Map<string, { run: ClaimedRun; attempts: number }>();
  private timer?: NodeJS.Timeout;
  private settling = false;

  constructor(
    private readonly config: AppConfig,
    private readonly lock: LockService,
    private readonly session: WorkerSessionService,
    private readonly runner: RunnerService,
    private readonly runLog: RunLogService,
    private readonly outcomes: RunOutcomesService,
    private readonly requests: WorkerRequestsRepository,
  ) {
    session.onRenewed((lease) => this.confirmed(lease));
    session.onLost((lease) => this.lost(lease));
    session.onRegistered(() => this.soon(0));
    runner.onHandBack((run) => this.handBack(run));
    // A start still queued in this process (a backlog of starts) goes to the spawner only while
    // the session is vouched for: after a pause it waits for a keep-alive, or is handed back.
    runner.gateStarts(() => session.vouched());
    session.onRenewed(() => runner.reopenStarts());
    session.onRegistered(() => runner.reopenStarts());
  }

  /** Whether this worker still settles, holds or hands back the claim of `runId`. */
  holds(runId: string): boolean {
    if (this.unconfirmed.has(runId) || this.handingBack.has(runId)) return true;
    for (const doubt of this.doubts.values()) if (doubt.claim.runId === runId) return true;
    return false;
  }

  get pending(): number {
    return this.doubts.size + this.unconfirmed.size + this.handingBack.size;
  }

  /** The claim's transaction failed without an answer: it may have committed. */
  inDoubt(claim: SentClaim): void {
    const key = `${claim.runId} ${claim.state.claim ?? ''}`;
    this.doubts.set(key, { claim, notBefore: Date.now() + DOUBT_SETTLE_MS, attempts: 0 });
    this.soon(DOUBT_SETTLE_MS);
  }

  /**
   * The claim committed; starts it now if its session is certainly alive, else once a keep-alive
   * confirms that session (or hands it back when the session is lost).
   */
  committed(claim: SentClaim, runningRevision: number): void {
    if (this.session.leaseId !== claim.leaseId) {
      // Its lease is gone already (its loss was announced before this answer came).
      this.handBack(runOf(claim));
      return;
    }
    if (this.session.vouched()) {
      this.start(claim, runningRevision);
      return;
    }
    this.logger.warn({
      msg: 'claim committed while the session is unconfirmed; holding its start',
      job: claim.spec.name,
      runId: claim.runId,
      workerId: this.config.WORKER_ID,
    });
    this.unconfirmed.set(claim.runId, { claim, runningRevision });
  }

  /** Starts the run at its tick (a tick claimed ahead), or now if that has passed. */
  private start(claim: SentClaim, runningRevision: number): void {
    this.runner.start({
      job: claim.spec,
      runId: claim.runId,
      tick: claim.tick,
      attempt: 1,
      trigger: claim.trigger,
      running: { key: claim.runningKey, revision: runningRevision },
      startAt: claim.tick,
    });
  }

  private confirmed(lease: string): void {
    for (const [runId, { claim, runningRevision }] of this.unconfirmed) {
      if (claim.leaseId !== lease) continue;
      this.unconfirmed.delete(runId);
      this.logger.warn({
        msg: 'session confirmed; starting a held claim late',
        job: claim.spec.name,
        runId,
        workerId: this.config.WORKER_ID,
      });
      this.start(claim, runningRevision);
    }
    if (this.doubts.size > 0) this.soon(0);
  }

  private lost(lease: string): void {
    for (const [runId, { claim }] of this.unconfirmed) {
      if (claim.leaseId !== lease) continue;
      this.unconfirmed.delete(runId);
      this.handBack(runOf(claim));
    }
  }

  private soon(delayMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.settle();
    }, delayMs);
    this.timer.unref();
  }

  /** One pass over the claims in doubt whose time has come, and the hand-backs to retry. */
  private async settle(): Promise<void> {
    if (this.settling) return;
    this.settling = true;
    try {
      const now = Date.now();
      for (const [key, doubt] of [...this.doubts]) {
        if (doubt.notBefore > now) continue;
        await this.settleDoubt(key, doubt);
      }
      for (const [runId, entry] of [...this.handingBack]) {
        this.handingBack.delete(runId);
        await this.sendHandBack(entry.run, entry.attempts);
      }
    } finally {
      this.settling = false;
    }
    const next = Math.min(...[...this.doubts.values()].map((d) => d.notBefore));
    if (next !== Infinity || this.handingBack.size > 0)
      this.soon(Math.max(RETRY_MS, next - Date.now()));
  }

  private async settleDoubt(key: string, doubt: Doubt): Promise<void> {
    const { claim } = doubt;
    const context = { job: claim.spec.name, runId: claim.runId, workerId: this.config.WORKER_ID };
    let settled: ClaimOutcome | undefined;
    try {
      settled = await this.lock.claimOutcome(claim);
    } catch (error) {
      this.logger.warn({
        msg: 'cannot settle a claim in doubt yet',
        ...context,
        err: String(error),
      });
    }
    if (settled === undefined || settled.outcome === 'unknown') {
      doubt.attempts += 1;
      doubt.notBefore = Date.now() + RETRY_MS;
      if (doubt.attempts < MAX_ATTEMPTS && settled === undefined) return;
      this.doubts.delete(key);
      this.logger.error({
        msg: "a claim in doubt cannot be settled (etcd's history is compacted); its tick may be recorded lost",
        ...context,
      });
      return;
    }
    this.doubts.delete(key);
    if (settled.outcome !== 'committed') return; // never committed: its owner plans it again
    if (this.session.vouched() && this.session.leaseId === claim.leaseId) {
      this.logger.warn({
        msg: 'claim committed although its answer was lost; running it now',
        ...context,
      });
      this.start(claim, settled.revision);
      return;
    }
    this.handBack(runOf(claim));
  }

  /**
   * A claimed run that never started and cannot start under its session: its tick follows the
   * misfire policy. Due now, `runAll` within the catch-up window, a manual run or a retry: the
   * owner runs it through a trigger with the same run id. Otherwise (`skip`, or `runOnce`,
   * whose one catch-up run of the gap the job's new owner makes): recorded `missed`.
   */
  handBack(run: ClaimedRun): void {
    const spec = run.job;
    if (handedBackAs(run, Date.now(), this.config.MISFIRE_THRESHOLD_MS) === 'run') {
      void this.sendHandBack(run, 0);
      return;
    }
    const workerId = this.config.WORKER_ID;
    const reason = `claimed by worker ${workerId}, which lost its etcd session before starting it (misfire policy ${spec.misfirePolicy})`;
    this.logger.warn({
      msg: 'claim handed back as missed',
      job: spec.name,
      runId: run.runId,
      workerId,
    });
    const identity = {
      runId: run.runId,
      job: spec.name,
      tick: run.tick,
      trigger: run.trigger,
      workerId,
    };
    const record = notRunRecord(spec, identity, 'missed', reason, Date.now());
    void this.runLog.finished(record);
    this.outcomes.ended(spec, record);
  }

  private async sendHandBack(run: ClaimedRun, attempts: number): Promise<void> {
    const spec = run.job;
    const workerId = this.config.WORKER_ID;
    const late = Date.now() - run.tick > this.config.MISFIRE_THRESHOLD_MS;
    const context = { job: spec.name, runId: run.runId, workerId };
    try {
      const sent = await this.requests.handBack(spec.name, {
        runId: run.runId,
        trigger: run.trigger === 'schedule' && late ? 'catchup' : run.trigger,
        attempt: run.attempt,
        notBefore: Date.now(),
        tick: run.tick,
        reason: `handed back by worker ${workerId}: claimed, never started (its session was lost)`,
        ...(run.parent && { dependency: run.parent }),
      });
      this.logger.warn({
        msg: sent ? 'claim handed back to the owner' : 'claim handed back before',
        ...context,
      });
    } catch (error) {
      if (attempts + 1 >= MAX_ATTEMPTS) {
        this.logger.error({ msg: 'gave up handing back a claim', ...context, err: String(error) });
        return;
      }
      this.handingBack.set(run.runId, { run, attempts: attempts + 1 });
      this.soon(RETRY_MS);
    }
  }
}

function runOf(claim: SentClaim): ClaimedRun {
  return {
    job: claim.spec,
    runId: claim.runId,
    tick: claim.tick,
    attempt: 1,
    trigger: claim.trigger,
    running: { key: claim.runningKey, revision: 0 },
  };
}
