import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ETCD_CALL_DEADLINE_MS } from '../etcd/etcd.service';
import { JobState, LockService } from '../etcd/lock.service';
import { runIdFor } from '../logs/run.model';
import { MetricsService } from '../metrics/metrics.service';
import { RunningEntry } from '../workers/worker.model';
import { WorkerSessionService } from '../workers/worker-session.service';
import { nextClaimId } from './claim-id';
import { ClaimSettler } from './claim-settler';
import { ScheduledJob } from './job-book';
import { catchupFloor } from './job-table';
import { HELP_AFTER_MS } from './ownership';
import { ReplaceRunning } from './replace-running';
import { RunLogService } from './run-log/run-log.service';
import { RunOutcomesService } from './run-outcomes.service';
import { RunnerService } from './runner.service';
import { SlotKind } from './run-slots';
import { MissedTicks, PlannedFire, planTicks, TickPlan } from './tick-plan';
import { missedCount, missedRecords, notRunRecord } from './tick-records';

const MAX_MISSED_RECORDS = 100;
const MAX_SCAN = 1000;
const FORBID_RUNNING = 'previous run still running (concurrency policy forbid)';

/**
 * What became of one look at a job: when to look again (undefined: never, until it changes), or
 * that its next tick waits for a free slot of the given kind.
 */
export type Advance = { dueAt: number | undefined } | { waiting: SlotKind; tick: number };

type FireOutcome = 'claimed' | 'skipped' | 'moved' | 'failed' | 'yield' | { waiting: SlotKind };

/**
 * Turns a scheduled job's due ticks into claims (docs/coordination.md, "Claiming a tick"): reads
 * the job's mark when it is not cached, plans the ticks (tick-plan.ts), and claims each one with
 * a compare-and-swap on the mark, in order, only while a slot is free for it. Ticks without a
 * slot wait unclaimed (backpressure); missed and skipped ticks move the mark and are recorded by
 * whoever moved it. A helper of a saturated owner claims only ticks at least HELP_AFTER_MS late.
 */
@Injectable()
export class TickClaimer {
  private readonly logger = new Logger(TickClaimer.name);

  constructor(
    private readonly config: AppConfig,
    private readonly lock: LockService,
    private readonly session: WorkerSessionService,
    private readonly runner: RunnerService,
    private readonly runLog: RunLogService,
    private readonly outcomes: RunOutcomesService,
    private readonly metrics: MetricsService,
    private readonly settler: ClaimSettler,
    private readonly replace: ReplaceRunning,
  ) {}

  private get workerId(): string {
    return this.config.WORKER_ID;
  }

  /** Reads the mark if needed, then claims (or records) what is due. */
  async advance(job: ScheduledJob, onMark: (state?: JobState) => void): Promise<Advance> {
    const { spec, schedule } = job.table;
    if (!spec.enabled || !schedule) return { dueAt: undefined };
    if (job.cursor === undefined) {
      const read = await this.lock.readState(job.stateName);
      job.stateRevision = read.revision;
      onMark(read.state);
      // A job never fired before is owed its ticks since it was saved (or since now, whichever is
      // earlier), so an ownership move right after creation loses nothing.
      job.cursor = read.state?.lastTick ?? Math.min(Date.now(), catchupFloor(spec) ?? Date.now());
    }
    const lead = this.claimLeadOf(job);
    const from = Math.max(job.cursor, catchupFloor(spec) ?? -Infinity);
    const plan = planTicks({
      schedule,
      cursor: from,
      now: Date.now(),
      policy: spec.misfirePolicy,
      thresholdMs: this.config.MISFIRE_THRESHOLD_MS,
      catchupWindowMs: spec.catchupWindowSeconds * 1000,
      maxCatchup: this.config.CATCHUP_MAX_RUNS,
      maxMissedRecords: MAX_MISSED_RECORDS,
      maxScan: MAX_SCAN,
      leadMs: lead,
    });
    const outcome = await this.carryOut(job, plan);
    if (typeof outcome === 'object') return outcome;
    if (outcome === 'again' || plan.partial) return { dueAt: Date.now() };
    if (outcome === 'yield') return { dueAt: Date.now() + HELP_AFTER_MS };
    const next = schedule.next(Math.max(job.cursor ?? from, from));
    return { dueAt: next === undefined ? undefined : next - lead };
  }

  /**
   * How long before its tick a job's tick is claimed (CLAIM_LEAD_MS). Not ahead while a run of a
   * forbid or replace job is still going here: it may end before the tick, and a claim now would
   * skip the tick (forbid) or stop that run early (replace). Such a job is looked at at the tick.
   * A helper looks HELP_AFTER_MS after the tick: the owner had its chance.
   */
  private claimLeadOf(job: ScheduledJob): number {
    if (job.role === 'helper') return -HELP_AFTER_MS;
    const overlapping = job.table.spec.concurrencyPolicy !== 'allow';
    if (overlapping && this.runner.runningCount(job.name) > 0) return 0;
    return this.config.CLAIM_LEAD_MS;
  }

  /** Claims the plan's ticks in order; 'again' when it stopped early (plan again at once). */
  private async carryOut(
    job: ScheduledJob,
    plan: TickPlan,
  ): Promise<'done' | 'again' | 'yield' | { waiting: SlotKind; tick: number }> {
    let missed: MissedTicks | undefined = plan.missed;
    const hasMissed = missedCount(missed) > 0;
    if (plan.fire.length === 0) {
      if (!hasMissed || plan.advanceTo === undefined) return 'done';
      const moved = await this.moveMark(job, plan.advanceTo, runIdFor(job.name, plan.advanceTo));
      if (moved) this.recordMissed(job, missed);
      return moved ? 'done' : 'again';
    }
    for (const fire of plan.fire) {
      if (!this.session.canClaim()) return 'again';
      const outcome = await this.fireTick(job, fire);
      if (typeof outcome === 'object') return { waiting: outcome.waiting, tick: fire.tick };
      if (outcome === 'yield') return 'yield';
      if (outcome !== 'claimed' && outcome !== 'skipped') return 'again';
      // The first successful compare-and-swap from our mark makes the ticks before it ours.
      if (missed && hasMissed) this.recordMissed(job, missed);
      missed = undefined;
    }
    return 'done';
  }

  private runIdOf(job: ScheduledJob, tick: number): string {
    const all = job.table.spec.target.mode === 'all';
    return runIdFor(job.name, tick, all ? { workerId: this.workerId } : {});
  }

  private async fireTick(job: ScheduledJob, fire: PlannedFire): Promise<FireOutcome> {
    const kind: SlotKind = fire.trigger === 'catchup' || job.role === 'helper' ? 'late' : 'onTime';
    const release = this.runner.tryReserve(kind);
    if (!release) return { waiting: kind };
    try {
      return await this.claim(job, fire);
    } finally {
      release();
    }
  }

  private async claim(job: ScheduledJob, fire: PlannedFire): Promise<FireOutcome> {
    const spec = job.table.spec;
    const runId = this.runIdOf(job, fire.tick);
    const all = spec.target.mode === 'all';
    if (spec.concurrencyPolicy === 'forbid' && all && this.runner.runningCount(job.name) > 0)
      return this.skipTick(job, fire, runId, FORBID_RUNNING);
    if (spec.concurrencyPolicy === 'replace') await this.replace.stopOthers(job.name);
    const leaseId = this.session.leaseId;
    if (leaseId === undefined) return 'failed';
    const exclusive = spec.concurrencyPolicy === 'forbid' && !all;
    const runningKey = this.lock.runningKey(job.name, runId, exclusive);
    const entry: RunningEntry = {
      runId,
      workerId: this.workerId,
      startedAt: new Date().toISOString(),
    };
    const state: JobState = {
      lastTick: fire.tick,
      runId,
      workerId: this.workerId,
      claim: nextClaimId(),
    };
    const sent = {
      spec,
      runId,
      tick: fire.tick,
      trigger: fire.trigger,
      stateName: job.stateName,
      expectedRevision: job.stateRevision,
      state,
      runningKey,
      leaseId,
    };
    const sentAt = Date.now();
    let result;
    try {
      result = await this.lock.claimTick({
        stateName: job.stateName,
        expectedRevision: job.stateRevision,
        state,
        running: { key: runningKey, value: { ...entry }, leaseId, exclusive },
      });
    } catch (error) {
      this.settler.inDoubt(sent);
      throw error;
    }
    const outcome = result.claimed ? 'won' : result.reason === 'running' ? 'running' : 'lost';
    this.metrics.claims.inc({ outcome });
    if (result.claimed) {
      job.cursor = fire.tick;
      job.stateRevision = result.stateRevision;
      this.settler.committed(sent, result.runningRevision);
      return 'claimed';
    }
    if (result.reason === 'running') {
      // A helper leaves the decision to skip to the owner, whose own finished run may hold the key.
      if (job.role === 'helper') return 'yield';
      return this.skipTick(job, fire, runId, FORBID_RUNNING);
    }
    // An answer this late may be the client's retry of an attempt that committed, refused
    // because someone moved the mark on since: settle it from etcd's history.
    if (Date.now() - sentAt >= ETCD_CALL_DEADLINE_MS || !this.session.vouched())
      this.settler.inDoubt(sent);
    this.sawMark(job, result.stateRevision, result.state?.lastTick);
    return 'moved';
  }

  /** Moves the mark past a tick without running it, and records it `skipped` if we moved it. */
  private async skipTick(
    job: ScheduledJob,
    fire: PlannedFire,
    runId: string,
    reason: string,
  ): Promise<FireOutcome> {
    if (!(await this.moveMark(job, fire.tick, runId))) return 'moved';
    const now = Date.now();
    this.logger.warn({
      msg: 'tick skipped',
      job: job.name,
      runId,
      workerId: this.workerId,
      reason,
    });
    const identity = {
      runId,
      job: job.name,
      tick: fire.tick,
      trigger: fire.trigger,
      workerId: this.workerId,
    };
    const record = {
      ...notRunRecord(job.table.spec, identity, 'skipped', reason, now),
      latenessMs: Math.max(0, now - fire.tick),
    };
    void this.runLog.finished(record);
    this.outcomes.ended(job.table.spec, record);
    return 'skipped';
  }

  private async moveMark(job: ScheduledJob, tick: number, runId: string): Promise<boolean> {
    const result = await this.lock.claimTick({
      stateName: job.stateName,
      expectedRevision: job.stateRevision,
      state: { lastTick: tick, runId, workerId: this.workerId, skipped: true },
    });
    if (result.claimed) {
      job.cursor = tick;
      job.stateRevision = result.stateRevision;
      return true;
    }
    if (result.reason === 'moved') this.sawMark(job, result.stateRevision, result.state?.lastTick);
    return false;
  }

  /** Someone else moved the mark: adopt it (never move our cursor backwards). */
  private sawMark(job: ScheduledJob, revision: number, lastTick: number | undefined): void {
    job.stateRevision = revision;
    if (lastTick !== undefined) job.cursor = Math.max(job.cursor ?? lastTick, lastTick);
  }

  private recordMissed(job: ScheduledJob, missed: MissedTicks): void {
    const spec = job.table.spec;
    const runIdOf = (tick: number) => this.runIdOf(job, tick);
    for (const record of missedRecords(spec, missed, runIdOf, this.workerId, Date.now())) {
      void this.runLog.finished(record);
      this.outcomes.ended(spec, record);
    }
    this.logger.warn({
      msg: 'ticks missed',
      job: job.name,
      workerId: this.workerId,
      count: missedCount(missed),
      policy: spec.misfirePolicy,
    });
  }
}
