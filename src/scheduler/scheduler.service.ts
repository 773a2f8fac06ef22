import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EtcdService } from '../etcd/etcd.service';
import { JobState, LockService } from '../etcd/lock.service';
import { runIdFor } from '../logs/run.model';
import { PrefixMirror } from '../workers/prefix-mirror';
import { KillRequest, RunningEntry, TriggerRequest, WorkerInfo } from '../workers/worker.model';
import { WorkerSessionService } from '../workers/worker-session.service';
import { DueQueue } from './due-queue';
import { catchupFloor, JobEntry, readEntry, readJob, TableJob } from './job-table';
import { OwnerCandidate, ownerOf, schedulesJob } from './ownership';
import { MetricsService } from '../metrics/metrics.service';
import { RunLogService } from './run-log/run-log.service';
import { RunRecord } from './run-log/run-record';
import { RunOutcomesService } from './run-outcomes.service';
import { RunnerService } from './runner.service';
import { MissedTicks, PlannedFire, planTicks, TickPlan } from './tick-plan';
import { WorkerRequestsRepository } from './worker-requests.repository';

/** The loop never sleeps longer than this, so a wall-clock jump is noticed within a second. */
const MAX_SLEEP_MS = 1000;
const MIN_SLEEP_MS = 5;
/** While claims are not allowed (session in doubt), look again this often. */
const PAUSED_SLEEP_MS = 200;
const MAX_MISSED_RECORDS = 100;
const MAX_SCAN = 1000;
const STATS_EVERY_MS = 10_000;
/** A claim's own records reach MongoDB well within this (or its worker's journal replays them). */
const UNRECORDED_CLAIM_GRACE_MS = 15_000;

/** A job this worker schedules, with its view of the job's high-water mark. */
interface ScheduledJob {
  name: string;
  /** `state/<stateName>`: the job name, or `<job>@<workerId>` for target mode `all`. */
  stateName: string;
  table: TableJob;
  /** The mark: every tick at or before it has been handled. Undefined until read from etcd. */
  cursor?: number;
  stateRevision: number;
  busy: boolean;
  /** Set when the job changed while it was being advanced: look at it again at once. */
  recheck?: boolean;
}

interface DoubtfulClaim {
  runId: string;
  fire: PlannedFire;
  runningKey: string;
}

type FireOutcome = 'claimed' | 'skipped' | 'moved' | 'failed';

/**
 * The worker role's rules: which jobs this worker schedules (rendezvous ownership over the live
 * workers), when their ticks are due (re-computed from the wall clock on every pass, never from
 * accumulated timers), claiming each tick with one compare-and-swap, misfire and concurrency
 * policies, triggers (manual runs, retries) and kill requests. All etcd state comes from
 * watched mirrors; all etcd writes go through LockService and WorkerRequestsRepository.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SchedulerService.name);
  /** Every job, as an entry; parsed in full only in `owned`. */
  private readonly table = new Map<string, JobEntry>();
  private readonly owned = new Map<string, ScheduledJob>();
  /** When each owned job must be looked at next (absent while it cannot fire). */
  private readonly due = new DueQueue<string>();
  private readonly triggersInFlight = new Set<string>();
  /**
   * Claims whose transaction failed without an answer (deadline, disconnect): etcd may have
   * committed them. The next read of the job's mark settles each one (see settleDoubt).
   */
  private readonly claimsInDoubt = new Map<string, DoubtfulClaim>();
  private workers: OwnerCandidate[] = [];
  private readonly jobsMirror: PrefixMirror;
  private readonly workersMirror: PrefixMirror;
  private readonly triggersMirror: PrefixMirror;
  private readonly killsMirror: PrefixMirror;
  private timer?: NodeJS.Timeout;
  private timerAt = 0;
  private stopped = false;
  private claimsAllowed = false;
  private statsTimer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly etcd: EtcdService,
    private readonly lock: LockService,
    private readonly session: WorkerSessionService,
    private readonly runner: RunnerService,
    private readonly runLog: RunLogService,
    private readonly requests: WorkerRequestsRepository,
    private readonly outcomes: RunOutcomesService,
    private readonly metrics: MetricsService,
  ) {
    const { client, keys } = etcd;
    this.jobsMirror = new PrefixMirror(client, keys.jobsPrefix(), 'jobs', (e) =>
      this.onJobsEvent(e),
    );
    this.workersMirror = new PrefixMirror(client, keys.workersPrefix(), 'workers', () =>
      this.onMembership(),
    );
    this.triggersMirror = new PrefixMirror(client, keys.triggerPrefix(), 'triggers', () =>
      this.wake(),
    );
    this.killsMirror = new PrefixMirror(client, keys.killPrefix(), 'kills', (e) => {
      if (e.type === 'put') this.onKill(e.key, e.value);
      // Requests made while the watch was down arrive with the re-listing.
      if (e.type === 'reset') for (const [key, value] of e.entries) this.onKill(key, value);
    });
  }

  private get workerId(): string {
    return this.config.WORKER_ID;
  }

  onApplicationBootstrap(): void {
    this.runLog.start();
    this.session.onLost(() => this.onSessionLost());
    this.session.onRegistered(() => this.recomputeOwnership());
    this.session.start();
    // Start-up must not wait for etcd: the mirrors retry in the background and the loop idles.
    void Promise.all([
      this.jobsMirror.start(),
      this.workersMirror.start(),
      this.triggersMirror.start(),
      this.killsMirror.start(),
    ]).then(() =>
      this.logger.log({ msg: 'scheduler in sync', workerId: this.workerId, jobs: this.table.size }),
    );
    this.loop();
    this.statsTimer = setInterval(() => this.logStats(), STATS_EVERY_MS);
    this.statsTimer.unref();
  }

  private logStats(): void {
    this.logger.log({
      msg: 'worker stats',
      workerId: this.workerId,
      owns: this.owned.size,
      jobs: this.table.size,
      workers: this.workers.length,
      running: this.runner.activeCount,
      claiming: this.claimsAllowed,
      runLog: this.runLog.stats(),
    });
  }

  // ---- job table and membership ------------------------------------------------------------

  private onJobsEvent(event: Parameters<ConstructorParameters<typeof PrefixMirror>[3]>[0]): void {
    if (event.type === 'reset') {
      const seen = new Set<string>();
      for (const [name, value] of event.entries) {
        seen.add(name);
        this.putJob(name, value, this.table.get(name)?.revision ?? 0);
      }
      for (const name of [...this.table.keys()]) if (!seen.has(name)) this.deleteJob(name);
      this.recomputeOwnership();
      return;
    }
    // One job changed and the membership did not: only that job's owner can have changed (a
    // full pass per event made loading N jobs cost N² hash computations).
    if (event.type === 'put') this.putJob(event.key, event.value, event.modRevision);
    else this.deleteJob(event.key);
    this.updateOwnership(event.key);
    this.metrics.ownedJobs.set(this.owned.size);
    this.wake();
  }

  private putJob(name: string, value: string, revision: number): void {
    const entry = readEntry(name, value, revision);
    if (!entry) {
      this.logger.warn({ msg: 'ignoring a jobs/ key that is not a job', job: name });
      return;
    }
    const before = this.table.get(name);
    this.table.set(name, entry);
    if (before && before.target.mode !== entry.target.mode) {
      // The mark key and run ids differ between modes: start over as a new scheduled job.
      this.disown(name);
      return;
    }
    const scheduled = this.owned.get(name);
    if (!scheduled) return;
    const job = this.parse(name, entry);
    if (!job) {
      this.disown(name);
      return;
    }
    scheduled.table = job;
    scheduled.recheck = scheduled.busy;
    this.due.set(name, Date.now());
  }

  /** The job in full (spec and schedule), for a worker that schedules or triggers it. */
  private parse(name: string, entry: JobEntry): TableJob | undefined {
    const job = readJob(name, entry.value, entry.revision);
    if (job?.error) {
      this.logger.error({
        msg: 'job schedule does not parse; the job will not fire',
        job: name,
        error: job.error,
      });
    }
    return job;
  }

  private disown(name: string): boolean {
    this.due.set(name, undefined);
    return this.owned.delete(name);
  }

  private deleteJob(name: string): void {
    this.table.delete(name);
    this.disown(name);
    // A deleted job's runs do not keep going (they did in the original crontab).
    this.runner.kill(name, 'job deleted');
  }

  private onMembership(): void {
    const workers: OwnerCandidate[] = [];
    for (const [id, value] of this.workersMirror.snapshot()) {
      try {
        const info = JSON.parse(value) as WorkerInfo;
        workers.push({ id, labels: info.labels ?? {} });
      } catch {
        this.logger.warn({ msg: 'ignoring a workers/ key that is not JSON', key: id });
      }
    }
    this.workers = workers;
    this.recomputeOwnership();
  }

  private get self(): OwnerCandidate {
    return { id: this.workerId, labels: this.config.workerLabels };
  }

  /** Whether this worker appears in the live membership (registered under a live lease). */
  private get registered(): boolean {
    return this.session.leaseId !== undefined && this.workers.some((w) => w.id === this.workerId);
  }

  /** Takes or drops one job as the membership says: +1 gained, -1 lost, 0 unchanged. */
  private updateOwnership(name: string, registered = this.registered): number {
    const entry = this.table.get(name);
    const mine =
      entry !== undefined &&
      registered &&
      schedulesJob(this.self, name, entry.target, this.workers);
    if (mine && !this.owned.has(name)) {
      const job = this.parse(name, entry);
      if (!job) return 0;
      const all = entry.target.mode === 'all';
      this.owned.set(name, {
        name,
        stateName: all ? `${name}@${this.workerId}` : name,
        table: job,
        stateRevision: 0,
        busy: false,
      });
      this.due.set(name, Date.now());
      return 1;
    }
    return !mine && this.disown(name) ? -1 : 0;
  }

  private recomputeOwnership(): void {
    const registered = this.registered;
    let gained = 0;
    let lost = 0;
    for (const name of this.table.keys()) {
      const change = this.updateOwnership(name, registered);
      if (change > 0) gained += 1;
      if (change < 0) lost += 1;
    }
    this.metrics.ownedJobs.set(this.owned.size);
    if (gained > 0 || lost > 0) {
      this.logger.log({
        msg: 'ownership changed',
        workerId: this.workerId,
        gained,
        lost,
        owns: this.owned.size,
        workers: this.workers.length,
      });
    }
    this.wake();
  }

  private onSessionLost(): void {
    // Our running keys died with the lease: another worker may now start what we are running.
    if (this.config.WORKER_ON_LEASE_LOSS === 'kill')
      this.runner.killAll('worker lost its etcd session');
    for (const job of this.owned.values()) job.cursor = undefined;
    this.claimsAllowed = false;
  }

  // ---- the loop ----------------------------------------------------------------------------

  private wake(): void {
    this.wakeBy(Date.now());
  }

  /** One pass: fire what is due by the wall clock now, then sleep until the next due time. */
  private loop(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    const allowed = this.session.canClaim(now) && this.registered;
    if (allowed !== this.claimsAllowed) {
      this.claimsAllowed = allowed;
      const context = { workerId: this.workerId, owns: this.owned.size };
      if (allowed) this.logger.log({ msg: 'claiming ticks', ...context });
      else
        this.logger.warn({
          msg: 'not claiming: session lease not confirmed recently enough',
          ...context,
        });
    }
    let wakeAt = now + (allowed ? MAX_SLEEP_MS : PAUSED_SLEEP_MS);
    if (allowed) {
      for (const name of this.due.takeDue(now)) {
        const job = this.owned.get(name);
        if (!job) continue;
        if (job.busy) {
          job.recheck = true;
          continue;
        }
        job.busy = true;
        void this.advance(job)
          .catch((error: Error) => {
            job.cursor = undefined;
            this.setDue(job, Date.now() + PAUSED_SLEEP_MS);
            this.logger.warn({
              msg: 'tick handling failed; re-reading the mark',
              job: job.name,
              workerId: this.workerId,
              err: error.message,
            });
          })
          .finally(() => {
            job.busy = false;
            if (job.recheck) this.setDue(job, Date.now());
            job.recheck = false;
            const at = this.due.get(job.name);
            if (at !== undefined && at <= Date.now() + MAX_SLEEP_MS) this.wakeBy(at);
          });
      }
      wakeAt = Math.min(wakeAt, this.due.next() ?? Infinity, this.processTriggers(now));
    }
    this.timer = undefined;
    this.wakeBy(Math.min(wakeAt, Date.now() + MAX_SLEEP_MS));
  }

  /** Makes sure the next pass runs by `at`; an earlier pass already planned stays. */
  private wakeBy(at: number): void {
    if (this.stopped) return;
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    const delay = Math.max(MIN_SLEEP_MS, at - Date.now());
    this.timerAt = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.loop();
    }, delay);
  }

  private async advance(job: ScheduledJob): Promise<void> {
    const { spec, schedule } = job.table;
    if (!spec.enabled || !schedule) {
      this.setDue(job, undefined);
      return;
    }
    if (job.cursor === undefined) {
      const read = await this.lock.readState(job.stateName);
      job.stateRevision = read.revision;
      this.settleDoubt(job, read.state, read.revision);
      this.auditClaim(job, read.state);
      // A job never fired before is owed its ticks since it was saved (or since now, whichever is
      // earlier), so an ownership move right after creation loses nothing.
      job.cursor = read.state?.lastTick ?? Math.min(Date.now(), catchupFloor(spec) ?? Date.now());
    }
    const now = Date.now();
    const lead = this.claimLeadOf(job);
    const from = Math.max(job.cursor, catchupFloor(spec) ?? -Infinity);
    const plan = planTicks({
      schedule,
      cursor: from,
      now,
      policy: spec.misfirePolicy,
      thresholdMs: this.config.MISFIRE_THRESHOLD_MS,
      catchupWindowMs: spec.catchupWindowSeconds * 1000,
      maxCatchup: this.config.CATCHUP_MAX_RUNS,
      maxMissedRecords: MAX_MISSED_RECORDS,
      maxScan: MAX_SCAN,
      leadMs: lead,
    });
    const complete = await this.carryOut(job, plan);
    const next = schedule.next(Math.max(job.cursor ?? from, from));
    this.setDue(
      job,
      !complete || plan.partial ? Date.now() : next === undefined ? undefined : next - lead,
    );
  }

  /**
   * How long before its tick a job's tick is claimed (CLAIM_LEAD_MS). Not ahead while a run of a
   * forbid or replace job is still going here: it may end before the tick, and a claim now would
   * skip the tick (forbid) or stop that run early (replace). Such a job is looked at at the tick.
   */
  private claimLeadOf(job: ScheduledJob): number {
    const overlapping = job.table.spec.concurrencyPolicy !== 'allow';
    if (overlapping && this.runner.runningCount(job.name) > 0) return 0;
    return this.config.CLAIM_LEAD_MS;
  }

  /** Sets when the job is due next, unless it is no longer this worker's. */
  private setDue(job: ScheduledJob, at: number | undefined): void {
    if (this.owned.get(job.name) === job) this.due.set(job.name, at);
  }

  /** Claims the plan's ticks in order; false when it stopped early (the job is planned again). */
  private async carryOut(job: ScheduledJob, plan: TickPlan): Promise<boolean> {
    let missed: MissedTicks | undefined = plan.missed;
    const hasMissed = missed.ticks.length > 0 || missed.more !== undefined;
    if (plan.fire.length === 0) {
      if (!hasMissed || plan.advanceTo === undefined) return true;
      const moved = await this.moveMark(job, plan.advanceTo, runIdFor(job.name, plan.advanceTo));
      if (moved) this.recordMissed(job, missed);
      return moved;
    }
    for (const fire of plan.fire) {
      if (this.stopped || !this.session.canClaim()) return false;
      const outcome = await this.fireTick(job, fire);
      if (outcome === 'claimed' || outcome === 'skipped') {
        // The first successful compare-and-swap from our mark makes the ticks before it ours.
        if (missed && hasMissed) this.recordMissed(job, missed);
        missed = undefined;
        continue;
      }
      return false;
    }
    return true;
  }

  /**
   * A claim whose answer never came is ours when the mark names it: run it now (late) if the
   * session still holds, else record it missed. Either way the tick is neither lost nor run twice.
   */
  private settleDoubt(job: ScheduledJob, state: JobState | undefined, revision: number): void {
    const doubt = this.claimsInDoubt.get(job.name);
    if (!doubt) return;
    this.claimsInDoubt.delete(job.name);
    if (state?.runId !== doubt.runId || state.workerId !== this.workerId || state.skipped) return;
    const spec = job.table.spec;
    const context = { job: job.name, runId: doubt.runId, workerId: this.workerId };
    if (!this.session.canClaim()) {
      this.logger.warn({
        msg: 'claim committed unseen while the session was in doubt; recording it missed',
        ...context,
      });
      const now = Date.now();
      const run: RunRecord = {
        runId: doubt.runId,
        job: job.name,
        tick: doubt.fire.tick,
        attempt: 1,
        trigger: doubt.fire.trigger,
        workerId: this.workerId,
        status: 'missed',
        command: spec.command,
        error: 'claimed by this worker while its etcd session was in doubt; not run',
        endedAt: now,
      };
      void this.runLog.finished(run);
      this.outcomes.ended(spec, run);
      return;
    }
    this.logger.warn({
      msg: 'claim committed although its answer was lost; running it now',
      ...context,
    });
    this.runner.start({
      job: spec,
      runId: doubt.runId,
      tick: doubt.fire.tick,
      attempt: 1,
      trigger: doubt.fire.trigger,
      running: { key: doubt.runningKey, revision },
    });
  }

  /**
   * A mark names the last tick claimed. When its claimer is gone (or was this worker before a
   * restart), the claim may have committed while its process died before the answer arrived, so
   * nothing ever recorded that tick. After a grace period, in which the claimer's own records
   * reach MongoDB (a restarted worker replays its journal), the tick is written `lost` unless a
   * record of it exists: an insert-if-absent, so an existing record always wins.
   */
  private auditClaim(job: ScheduledJob, state: JobState | undefined): void {
    if (!state || state.skipped || this.runner.isRunning(state.runId)) return;
    const claimer = state.workerId;
    if (claimer !== this.workerId && this.workers.some((w) => w.id === claimer)) return;
    const spec = job.table.spec;
    const timer = setTimeout(() => {
      void this.runLog.recordIfAbsent({
        runId: state.runId,
        job: job.name,
        tick: state.lastTick,
        attempt: 1,
        trigger: 'schedule',
        workerId: claimer,
        status: 'lost',
        command: spec.command,
        error: `claimed by worker ${claimer}, which stopped before recording the run`,
        endedAt: Date.now(),
      });
    }, UNRECORDED_CLAIM_GRACE_MS);
    timer.unref();
  }

  private runIdOf(job: ScheduledJob, tick: number): string {
    const all = job.table.spec.target.mode === 'all';
    return runIdFor(job.name, tick, all ? { workerId: this.workerId } : {});
  }

  private async fireTick(job: ScheduledJob, fire: PlannedFire): Promise<FireOutcome> {
    const spec = job.table.spec;
    const runId = this.runIdOf(job, fire.tick);
    const all = spec.target.mode === 'all';
    if (!this.runner.hasCapacity()) {
      const reason = `worker ${this.workerId} at its concurrency limit (WORKER_MAX_CONCURRENT=${this.config.WORKER_MAX_CONCURRENT})`;
      return this.skipTick(job, fire, runId, reason);
    }
    if (spec.concurrencyPolicy === 'forbid' && all && this.runner.runningCount(job.name) > 0) {
      return this.skipTick(
        job,
        fire,
        runId,
        'previous run still running (concurrency policy forbid)',
      );
    }
    if (spec.concurrencyPolicy === 'replace') await this.replaceRunning(job.name);
    const leaseId = this.session.leaseId;
    if (leaseId === undefined) return 'failed';
    const exclusive = spec.concurrencyPolicy === 'forbid' && !all;
    const runningKey = this.lock.runningKey(job.name, runId, exclusive);
    const entry: RunningEntry = {
      runId,
      workerId: this.workerId,
      startedAt: new Date().toISOString(),
    };
    const release = this.runner.reserve();
    try {
      let result;
      try {
        result = await this.lock.claimTick({
          stateName: job.stateName,
          expectedRevision: job.stateRevision,
          state: { lastTick: fire.tick, runId, workerId: this.workerId },
          running: { key: runningKey, value: { ...entry }, leaseId, exclusive },
        });
      } catch (error) {
        this.claimsInDoubt.set(job.name, { runId, fire, runningKey });
        throw error;
      }
      this.metrics.claims.inc({
        outcome: result.claimed ? 'won' : result.reason === 'running' ? 'running' : 'lost',
      });
      if (result.claimed) {
        job.cursor = fire.tick;
        job.stateRevision = result.stateRevision;
        this.runner.start({
          job: spec,
          runId,
          tick: fire.tick,
          attempt: 1,
          trigger: fire.trigger,
          running: { key: runningKey, revision: result.runningRevision },
          startAt: fire.tick,
        });
        return 'claimed';
      }
      if (result.reason === 'running') {
        return this.skipTick(
          job,
          fire,
          runId,
          'previous run still running (concurrency policy forbid)',
        );
      }
      this.sawMark(job, result.stateRevision, result.state?.lastTick);
      return 'moved';
    } finally {
      release();
    }
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
    const record: RunRecord = {
      runId,
      job: job.name,
      tick: fire.tick,
      attempt: 1,
      trigger: fire.trigger,
      workerId: this.workerId,
      status: 'skipped',
      command: job.table.spec.command,
      error: reason,
      endedAt: now,
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
    const now = Date.now();
    const record = (tick: number, error: string): void => {
      const run: RunRecord = {
        runId: this.runIdOf(job, tick),
        job: job.name,
        tick,
        attempt: 1,
        trigger: 'schedule',
        workerId: this.workerId,
        status: 'missed',
        command: spec.command,
        error,
        endedAt: now,
      };
      void this.runLog.finished(run);
      this.outcomes.ended(spec, run);
    };
    if (missed.more) {
      const { count, atLeast, first, last, reason } = missed.more;
      const text = `${atLeast ? 'at least ' : ''}${count} ticks missed from ${new Date(first).toISOString()} to ${new Date(last).toISOString()} (${reason})`;
      record(first, text);
    }
    for (const tick of missed.ticks) {
      record(
        tick,
        `tick missed: no worker fired it in time (misfire policy ${spec.misfirePolicy})`,
      );
    }
    const total = missed.ticks.length + (missed.more?.count ?? 0);
    this.logger.warn({
      msg: 'ticks missed',
      job: job.name,
      workerId: this.workerId,
      count: total,
      policy: spec.misfirePolicy,
    });
  }

  /** Policy replace: ask every running run of the job to stop before the new one starts. */
  private async replaceRunning(job: string): Promise<void> {
    const leaseId = this.session.leaseId;
    if (leaseId === undefined) return;
    const request: KillRequest = {
      requestedBy: `worker ${this.workerId} (concurrency policy replace)`,
      at: new Date().toISOString(),
    };
    for (const entry of await this.requests.runningOf(job)) {
      if (this.runner.isRunning(entry.runId))
        this.runner.kill(entry.runId, 'replaced by a newer run');
      else await this.requests.requestKill(entry.runId, request, leaseId);
    }
  }

  // ---- triggers and kills ------------------------------------------------------------------

  /** Consumes due triggers of jobs this worker owns; returns when the next one falls due. */
  private processTriggers(now: number): number {
    let next = Infinity;
    for (const [key, value] of this.triggersMirror.snapshot()) {
      if (this.triggersInFlight.has(key)) continue;
      const name = key.slice(0, key.indexOf('/'));
      const entry = this.table.get(name);
      if (!entry || ownerOf(name, entry.target, this.workers) !== this.workerId) continue;
      let request: TriggerRequest;
      try {
        request = JSON.parse(value) as TriggerRequest;
      } catch {
        continue;
      }
      if (request.notBefore > now) {
        next = Math.min(next, request.notBefore);
        continue;
      }
      if (!this.runner.hasCapacity()) continue;
      const job = this.owned.get(name)?.table ?? this.parse(name, entry);
      if (!job) continue;
      this.triggersInFlight.add(key);
      void this.consumeTrigger(key, job, request)
        .catch((error: Error) =>
          this.logger.warn({
            msg: 'trigger claim failed',
            job: name,
            runId: request.runId,
            err: error.message,
          }),
        )
        .finally(() => this.triggersInFlight.delete(key));
    }
    return next;
  }

  private async consumeTrigger(key: string, job: TableJob, request: TriggerRequest): Promise<void> {
    const spec = job.spec;
    const all = spec.target.mode === 'all';
    if (spec.concurrencyPolicy === 'forbid' && all && this.runner.runningCount(spec.name) > 0)
      return;
    if (spec.concurrencyPolicy === 'replace') await this.replaceRunning(spec.name);
    const leaseId = this.session.leaseId;
    if (leaseId === undefined || !this.session.canClaim()) return;
    const exclusive = spec.concurrencyPolicy === 'forbid' && !all;
    const runningKey = this.lock.runningKey(spec.name, request.runId, exclusive);
    const value: RunningEntry = {
      runId: request.runId,
      workerId: this.workerId,
      startedAt: new Date().toISOString(),
    };
    const release = this.runner.reserve();
    try {
      const claim = await this.lock.consumeTrigger(this.etcd.keys.triggerPrefix() + key, {
        key: runningKey,
        value: { ...value },
        leaseId,
        exclusive,
      });
      if (claim.outcome !== 'consumed') return;
      this.logger.log({
        msg: 'trigger claimed',
        job: spec.name,
        runId: request.runId,
        workerId: this.workerId,
        trigger: request.trigger,
      });
      this.runner.start({
        job: spec,
        runId: request.runId,
        tick: request.tick,
        attempt: request.attempt,
        trigger: request.trigger,
        running: { key: runningKey, revision: claim.revision },
      });
    } finally {
      release();
    }
  }

  private onKill(target: string, value: string): void {
    let by = 'a kill request';
    try {
      const request = JSON.parse(value) as KillRequest;
      if (request.requestedBy) by = `kill requested by ${request.requestedBy}`;
    } catch {
      // The key itself is the request.
    }
    if (this.runner.kill(target, by) > 0 && target.includes('@')) {
      void this.requests.deleteKill(target).catch(() => undefined);
    }
  }

  // ---- shutdown ----------------------------------------------------------------------------

  /** SIGTERM: stop claiming, finish (or after the drain time kill) runs, flush the log, leave. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.logger.log({
      msg: 'worker stopping: no new claims',
      workerId: this.workerId,
      running: this.runner.activeCount,
    });
    // Jobs move to the other workers now, not after the drain (their next tick fires there).
    await this.session.withdraw();
    for (const mirror of [this.jobsMirror, this.workersMirror, this.triggersMirror]) mirror.stop();
    await this.runner.drain(this.config.WORKER_DRAIN_SECONDS * 1000);
    this.killsMirror.stop();
    await this.lock.flushReleases();
    await this.runLog.drain();
    await this.session.stop();
    this.logger.log({ msg: 'worker stopped', workerId: this.workerId });
  }
}
