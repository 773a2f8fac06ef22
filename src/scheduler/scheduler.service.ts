import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EtcdService } from '../etcd/etcd.service';
import { JobState, LockService } from '../etcd/lock.service';
import { MetricsService } from '../metrics/metrics.service';
import { PrefixMirror } from '../workers/prefix-mirror';
import { WorkerSessionService } from '../workers/worker-session.service';
import { ClaimAudit, ClaimWhereabouts } from './claim-audit';
import { NamespacePools } from './namespace-pools';
import { ClaimSettler } from './claim-settler';
import { JobBook, ScheduledJob } from './job-book';
import { fencedBecause, JobEntry, readJob, specOf, TableJob } from './job-table';
import { JobFeed } from './job-feed';
import { SourceChanges } from './job-sources';
import { heldPartitions } from './partitions';
import { RunLogService } from './run-log/run-log.service';
import { RunnerService } from './runner.service';
import { SlotPressure } from './slot-pressure';
import { KillWatch } from './kill-watch';
import { readMembership } from './membership';
import { WakeTimer } from './wake-timer';
import { Advance, TickClaimer } from './tick-claimer';
import { TriggerConsumer } from './trigger-consumer';
import { DependencyIndex } from './dependency-index';
import { WorkerRequestsRepository } from './worker-requests.repository';

/** The loop never sleeps longer than this, so a wall-clock jump is noticed within a second. */
const MAX_SLEEP_MS = 1000;
const MIN_SLEEP_MS = 5;
/** While claims are not allowed (session in doubt), look again this often. */
const PAUSED_SLEEP_MS = 200;
const STATS_EVERY_MS = 10_000;

/**
 * The worker role's loop: which jobs this worker schedules (JobBook, fed by the watched jobs and
 * workers), when each is due (re-computed from the wall clock on every pass, never from
 * accumulated timers), handing due jobs to the TickClaimer and due triggers to the
 * TriggerConsumer, parking jobs whose tick waits for a free slot (on-time ones first when slots
 * free), saying when this worker is saturated, and acting on kill requests. See
 * docs/coordination.md.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SchedulerService.name);
  private readonly book: JobBook;
  private readonly pressure: SlotPressure;
  private readonly feed: JobFeed;
  /** The partitions last handed to the feed. */
  private heldNow: ReadonlySet<string> = new Set();
  private readonly namespacesMirror: PrefixMirror;
  private readonly workersMirror: PrefixMirror;
  private readonly triggersMirror: PrefixMirror;
  private readonly kills: KillWatch;
  private readonly waker = new WakeTimer(() => this.loop(), MIN_SLEEP_MS);
  private stopped = false;
  private claimsAllowed = false;
  private statsTimer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    etcd: EtcdService,
    private readonly lock: LockService,
    private readonly session: WorkerSessionService,
    private readonly runner: RunnerService,
    private readonly runLog: RunLogService,
    requests: WorkerRequestsRepository,
    private readonly metrics: MetricsService,
    private readonly claimer: TickClaimer,
    private readonly triggers: TriggerConsumer,
    private readonly settler: ClaimSettler,
    private readonly audit: ClaimAudit,
    private readonly pools: NamespacePools,
    private readonly dependencies: DependencyIndex,
  ) {
    this.book = new JobBook(
      { id: config.WORKER_ID, labels: config.workerLabels },
      (name, entry) => this.parse(name, entry),
      (name) => this.pools.poolOf(name),
    );
    const { client, keys } = etcd;
    this.feed = new JobFeed(client, keys, this.book, dependencies, (changes) =>
      this.onJobsChanged(changes),
    );
    this.namespacesMirror = new PrefixMirror(client, keys.namespacesPrefix(), 'namespaces', () =>
      this.onNamespaces(),
    );
    this.workersMirror = new PrefixMirror(client, keys.workersPrefix(), 'workers', () =>
      this.onMembership(),
    );
    this.triggersMirror = new PrefixMirror(client, keys.triggerPrefix(), 'triggers', () =>
      this.wake(),
    );
    this.kills = new KillWatch(client, keys, runner, requests);
    this.pressure = new SlotPressure(
      runner,
      config.WORKER_ID,
      (saturated) => this.session.setSaturated(saturated),
      (names) => this.admitted(names),
    );
    metrics.onScrape(() => {
      metrics.waitingForSlot.set(this.waiting.size);
      metrics.saturated.set(this.pressure.saturated ? 1 : 0);
      metrics.helpingJobs.set(this.book.helpingCount);
    });
  }

  private get waiting() {
    return this.pressure.waiting;
  }

  private get workerId(): string {
    return this.config.WORKER_ID;
  }

  onApplicationBootstrap(): void {
    this.runLog.start();
    this.session.onLost(() => this.onSessionLost());
    this.session.onRegistered(() => this.recomputeOwnership());
    this.session.start();
    // Audits whose auditor died before settling them are taken over (AuditLedger).
    this.audit.adoptOrphans((job) => this.feed.spec(job), this.whereabouts);
    // Start-up must not wait for etcd: the mirrors retry in the background and the loop idles.
    void Promise.all([
      // Pools first: no job is taken before its namespace's pool is known.
      this.namespacesMirror.start().then(() => this.feed.start()),
      this.workersMirror.start(),
      this.triggersMirror.start(),
      this.kills.start(),
    ]).then(() =>
      this.logger.log({
        msg: 'scheduler in sync',
        workerId: this.workerId,
        partitions: this.feed.progress,
      }),
    );
    this.loop();
    this.statsTimer = setInterval(() => this.logStats(), STATS_EVERY_MS);
    this.statsTimer.unref();
  }

  private logStats(): void {
    this.logger.log({
      msg: 'worker stats',
      workerId: this.workerId,
      owns: this.book.ownedCount,
      helping: this.book.helpingCount,
      jobs: this.book.table.size,
      partitions: this.feed.progress,
      workers: this.book.workers.length,
      running: this.runner.activeCount,
      waitingForSlot: this.waiting.size,
      saturated: this.pressure.saturated,
      claiming: this.claimsAllowed,
      claimsNotStarted: this.settler.pending,
      runLog: this.runLog.stats(),
    });
  }

  // ---- job table and membership ------------------------------------------------------------

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

  private onJobsChanged(changes: SourceChanges): void {
    for (const name of changes.ignored) this.ignoredKey(name);
    for (const name of changes.deleted) this.jobDeleted(name);
    for (const name of changes.released) this.waiting.forget(name);
    for (const name of changes.unsure) {
      this.waiting.forget(name);
      // Gone from broad/: deleted, or moved to a partition another worker holds.
      if (this.runner.runningCount(name) > 0)
        void this.feed
          .exists(name)
          .then((exists) => exists || this.jobDeleted(name))
          .catch(() => undefined);
    }
    // Only the changed jobs' owners can have changed (a full pass per event made loading N jobs
    // cost N² hash computations).
    for (const name of changes.touched) this.book.update(name, this.registered);
    this.metrics.ownedJobs.set(this.book.ownedCount);
    this.wake();
  }

  private ignoredKey(name: string): void {
    const spec = specOf(name, this.feed.valueOf(name) ?? '');
    const fenced = spec && fencedBecause(spec, this.pools.poolOf(name));
    if (fenced) {
      // Written straight into etcd past the API's check, or its pool changed since: never run.
      this.logger.error({ msg: `job not run: ${fenced}`, job: name });
      this.metrics.fencedJobs.inc();
      return;
    }
    this.logger.warn({ msg: 'ignoring a job definition that is not a job', job: name });
  }

  /** A namespace changed: its jobs are read again under its pool, its partitions re-assigned. */
  private onNamespaces(): void {
    const changed = this.pools.update(this.namespacesMirror.snapshot());
    if (changed.size === 0) return;
    this.feed.reread(changed);
    this.recomputeOwnership();
  }

  private jobDeleted(name: string): void {
    this.waiting.forget(name);
    // A deleted job's runs do not keep going (they did in the original crontab).
    this.runner.kill(name, 'job deleted');
  }

  private onMembership(): void {
    const { workers, unreadable } = readMembership(this.workersMirror.snapshot());
    for (const key of unreadable)
      this.logger.warn({ msg: 'ignoring a workers/ key that is not JSON', key });
    this.book.setWorkers(workers);
    this.recomputeOwnership();
  }

  /** Whether this worker appears in the live membership (registered under a live lease). */
  private get registered(): boolean {
    return this.session.leaseId !== undefined && this.book.listed;
  }

  private recomputeOwnership(): void {
    this.holdPartitions();
    const { gained, lost } = this.book.recompute(this.registered);
    for (const name of this.waiting.names())
      if (!this.book.owned.has(name)) this.waiting.forget(name);
    this.metrics.ownedJobs.set(this.book.ownedCount);
    if (gained > 0 || lost > 0) {
      this.logger.log({
        msg: 'ownership changed',
        workerId: this.workerId,
        gained,
        lost,
        owns: this.book.ownedCount,
        helping: this.book.helpingCount,
        workers: this.book.workers.length,
      });
    }
    this.wake();
  }

  /**
   * Reads the definitions of the partitions this worker owns or helps with now. While it is not
   * registered it keeps what it holds: a session lost for a moment does not re-list them all.
   */
  private holdPartitions(): void {
    if (!this.registered) return;
    const self = { id: this.workerId, labels: this.config.workerLabels };
    const held = new Set(heldPartitions(self, this.pools.all, this.book.workers).keys());
    const gained = [...held].filter((p) => !this.heldNow.has(p)).length;
    const lost = [...this.heldNow].filter((p) => !held.has(p)).length;
    this.heldNow = held;
    this.feed.hold(held);
    this.metrics.heldPartitions.set(held.size);
    // Ownership moves here; the jobs of a gained partition follow once it is listed.
    if (gained > 0 || lost > 0)
      this.logger.log({
        msg: 'partitions moved',
        workerId: this.workerId,
        gained,
        lost,
        held: held.size,
      });
  }

  private onSessionLost(): void {
    // Our running keys died with the lease: another worker may now start what we are running.
    // Runs whose process has not started are handed back rather than killed (ClaimSettler).
    if (this.config.WORKER_ON_LEASE_LOSS === 'kill')
      this.runner.killOrHandBack('worker lost its etcd session');
    this.book.forgetMarks();
    this.pressure.reset();
    this.claimsAllowed = false;
  }

  // ---- the loop ----------------------------------------------------------------------------

  private wake(): void {
    this.wakeBy(Date.now());
  }

  /** One pass: fire what is due by the wall clock now, then sleep until the next due time. */
  private loop(): void {
    if (this.stopped) return;
    this.waker.cancel();
    const now = Date.now();
    const allowed = this.session.canClaim(now) && this.registered;
    if (allowed !== this.claimsAllowed) {
      this.claimsAllowed = allowed;
      const context = { workerId: this.workerId, owns: this.book.ownedCount };
      if (allowed) this.logger.log({ msg: 'claiming ticks', ...context });
      else
        this.logger.warn({
          msg: 'not claiming: session lease not confirmed recently enough',
          ...context,
        });
    }
    this.pressure.sample(now);
    let wakeAt = now + (allowed ? MAX_SLEEP_MS : PAUSED_SLEEP_MS);
    if (allowed) {
      for (const name of this.book.due.takeDue(now)) {
        const job = this.book.owned.get(name);
        if (job) this.look(job);
      }
      const nextTrigger = this.triggers.consumeDue(
        this.triggersMirror.snapshot(),
        this.book,
        (name) => this.triggerJob(name),
        now,
      );
      wakeAt = Math.min(wakeAt, this.book.due.next() ?? Infinity, nextTrigger);
    }
    this.wakeBy(Math.min(wakeAt, Date.now() + MAX_SLEEP_MS));
  }

  /** The job a trigger is for, parsed (owned jobs are parsed already). */
  private triggerJob(name: string): TableJob | undefined {
    const owned = this.book.owned.get(name)?.table;
    if (owned) return owned;
    const entry = this.book.table.get(name);
    return entry && this.parse(name, entry);
  }

  private look(job: ScheduledJob): void {
    if (job.busy) {
      job.recheck = true;
      return;
    }
    job.busy = true;
    this.waiting.forget(job.name);
    void this.claimer
      .advance(job, (state) => this.onMark(job, state))
      .then((advance) => this.advanced(job, advance))
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
        const at = this.book.due.get(job.name);
        if (at !== undefined && at <= Date.now() + MAX_SLEEP_MS) this.wakeBy(at);
      });
  }

  private advanced(job: ScheduledJob, advance: Advance): void {
    if ('dueAt' in advance) {
      this.setDue(job, advance.dueAt);
      return;
    }
    // Not claimed: it waits, visibly late, until a slot frees; it is planned again then, so
    // ticks that waited past the misfire threshold follow the misfire policy.
    this.setDue(job, undefined);
    if (this.book.owned.get(job.name) === job)
      this.waiting.park(job.name, advance.waiting, advance.tick);
  }

  /** The mark was read: audit a claim nobody may have recorded (its claimer is gone). */
  private onMark(job: ScheduledJob, state: JobState | undefined): void {
    if (!state || state.skipped || this.runner.isRunning(state.runId)) return;
    const claimer = state.workerId;
    if (claimer !== this.workerId && this.book.workers.some((w) => w.id === claimer)) return;
    this.audit.audit(job.table.spec, state, this.whereabouts);
  }

  /** What the claim audit asks this worker about a claim (see ClaimWhereabouts). */
  private readonly whereabouts: ClaimWhereabouts = {
    inHand: (runId) => this.runner.isRunning(runId) || this.settler.holds(runId),
    triggered: (name, runId) => this.triggersMirror.get(`${name}/${runId}`) !== undefined,
    registered: (workerId) => this.book.workers.some((w) => w.id === workerId),
  };

  /** Sets when the job is due next, unless it is no longer this worker's. */
  private setDue(job: ScheduledJob, at: number | undefined): void {
    if (this.book.owned.get(job.name) === job) this.book.due.set(job.name, at);
  }

  private wakeBy(at: number): void {
    this.waker.by(at);
  }

  /** Slots freed: the jobs whose ticks waited for them claim now. */
  private admitted(names: string[]): void {
    const now = Date.now();
    for (const name of names) {
      const job = this.book.owned.get(name);
      if (job) this.setDue(job, now);
    }
    this.wake();
  }

  // ---- shutdown ---------------------------------------------------------------------------

  /** SIGTERM: stop claiming, finish (or after the drain time kill) runs, flush the log, leave. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.waker.stop();
    this.logger.log({
      msg: 'worker stopping: no new claims',
      workerId: this.workerId,
      running: this.runner.activeCount,
    });
    // Jobs move to the other workers now, not after the drain (their next tick fires there).
    await this.session.withdraw();
    this.audit.stop();
    for (const mirror of [this.namespacesMirror, this.workersMirror, this.triggersMirror])
      mirror.stop();
    this.feed.stop();
    await this.runner.drain(this.config.WORKER_DRAIN_SECONDS * 1000);
    this.kills.stop();
    await this.lock.flushReleases();
    await this.runLog.drain();
    await this.session.stop();
    this.logger.log({ msg: 'worker stopped', workerId: this.workerId });
  }
}
