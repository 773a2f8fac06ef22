import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { AlertsService } from '../alerts/alerts.service';
import { AppConfig } from '../config/app-config';
import { JobsRepository } from '../jobs/jobs.repository';
import { RunRequestsRepository } from '../jobs/run-requests.repository';
import { retryRunId } from '../logs/run.model';
import { ACTIVE_RUN, Run } from '../logs/schemas/run.schema';
import { jobLabels, MetricsService } from '../metrics/metrics.service';
import { insertMissing } from '../mongo/insert-missing';
import { retryDelayMs } from '../scheduler/backoff';
import { WorkersRepository } from '../workers/workers.repository';
import { LeaderElection } from './leader-election.service';
import { lostRuns } from './lost-runs';

type LostRun = Pick<Run, 'runId' | 'job' | 'tick' | 'attempt' | 'workerId'>;

const LOST_ERROR = 'the worker running it lost its etcd session (died, hung or was cut off)';
/** Runs marked lost per statement. */
const MARK_CHUNK = 500;

/**
 * The leader marks `lost` every run recorded `running` (in `runs_active`) whose running key (on
 * its worker's session lease) has been gone for a while, raises its alert and, when the job
 * allows, asks for a retry. The delay keeps a run whose completion is still on its way (batched or
 * spooled by a worker) from being called lost. A `lost` record stays active, so the run's real
 * outcome, should it still arrive, replaces it.
 */
@Injectable()
export class ReaperService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReaperService.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  /** runId → when this leader first saw it without a running key. */
  private missingSince = new Map<string, number>();
  /** Whether this leadership has looked for `running` records left in the history. */
  private legacyMoved = false;

  constructor(
    @InjectModel(Run.name) private readonly outcomes: Model<Run>,
    @InjectModel(ACTIVE_RUN) private readonly active: Model<Run>,
    private readonly config: AppConfig,
    private readonly election: LeaderElection,
    private readonly workers: WorkersRepository,
    private readonly jobs: JobsRepository,
    private readonly requests: RunRequestsRepository,
    private readonly alerts: AlertsService,
    private readonly metrics: MetricsService,
  ) {}

  /** How long a run must be seen without its running key before it is lost. */
  get lostAfterMs(): number {
    return Math.max(3 * this.config.SESSION_TTL_SECONDS * 1000, 5 * this.config.RUNLOG_FLUSH_MS);
  }

  onApplicationBootstrap(): void {
    this.election.onChange((leading) => {
      clearInterval(this.timer);
      this.missingSince = new Map();
      this.legacyMoved = false;
      if (!leading) return;
      this.timer = setInterval(() => this.trigger(), this.config.REAPER_INTERVAL_SECONDS * 1000);
    });
  }

  private trigger(): void {
    if (this.sweeping || !this.election.isLeader()) return;
    this.sweeping = this.sweep()
      .catch((error: Error) => this.logger.warn({ msg: 'reaper sweep failed', err: error.message }))
      .finally(() => (this.sweeping = undefined));
  }

  async sweep(now = Date.now()): Promise<void> {
    if (!this.legacyMoved) await this.moveLegacyRunning();
    const recorded = await this.active
      .find({ status: 'running' }, { runId: 1, job: 1, tick: 1, attempt: 1, workerId: 1 })
      .lean<LostRun[]>();
    const live = new Set((await this.workers.running()).map((entry) => entry.runId));
    const { lost, missingSince } = lostRuns(
      recorded.map((r) => r.runId),
      live,
      this.missingSince,
      now,
      this.lostAfterMs,
    );
    this.missingSince = missingSince;
    for (let i = 0; i < lost.length; i += MARK_CHUNK) {
      if (!this.election.isLeader()) return;
      for (const run of await this.markLost(lost.slice(i, i + MARK_CHUNK), now)) {
        this.missingSince.delete(run.runId);
        await this.lostRun(run, now);
      }
    }
  }

  /**
   * Records `running` in the history itself, written before runs still going had a collection of
   * their own (an upgrade): moved to `runs_active`, where their outcomes settle them.
   */
  private async moveLegacyRunning(): Promise<void> {
    const legacy = await this.outcomes.find({ status: 'running' }).lean<Run[]>();
    if (legacy.length > 0) {
      // A duplicate: moved already by an earlier leader that stopped before deleting them.
      const [failure] = await insertMissing(this.active.collection, legacy);
      if (failure) throw new Error(`moving running records to runs_active: ${failure.message}`);
      const runIds = legacy.map((run) => run.runId);
      await this.outcomes.deleteMany({ runId: { $in: runIds }, status: 'running' });
      this.logger.log({ msg: 'running records moved to runs_active', count: legacy.length });
    }
    this.legacyMoved = true;
  }

  /**
   * Marks the runs lost that are still recorded `running`, with one update and one read for all
   * of them (FerretDB v1 scans the collection for each statement: one update per run let a
   * worker's SIGKILL during hundreds of runs leave them `running` for minutes). The read finds
   * exactly the records this update changed: status `lost` with this sweep's `endedAt`. A run
   * whose outcome is stored already (its start was written after it, a retried write) is not
   * lost: its stale active record goes.
   */
  private async markLost(candidates: string[], now: number): Promise<LostRun[]> {
    const settled = await this.outcomes
      .find({ runId: { $in: candidates } }, { _id: 0, runId: 1 })
      .lean<{ runId: string }[]>();
    if (settled.length > 0)
      await this.active.deleteMany({ runId: { $in: settled.map((run) => run.runId) } });
    const stored = new Set(settled.map((run) => run.runId));
    const runIds = candidates.filter((runId) => !stored.has(runId));
    const endedAt = new Date(now);
    await this.active.updateMany(
      { runId: { $in: runIds }, status: 'running' },
      { $set: { status: 'lost', error: LOST_ERROR, endedAt } },
    );
    return this.active
      .find(
        { runId: { $in: runIds }, status: 'lost', endedAt },
        { runId: 1, job: 1, tick: 1, attempt: 1, workerId: 1 },
      )
      .lean<LostRun[]>();
  }

  /** What follows from a run marked lost: the counter, the log line, a retry or the alert. */
  private async lostRun(run: LostRun, now: number): Promise<void> {
    const error = LOST_ERROR;
    this.metrics.runs.inc({ ...jobLabels(run.job), status: 'lost' });
    const context = { job: run.job, runId: run.runId, workerId: run.workerId };
    this.logger.warn({ msg: 'run lost', ...context });
    const job = await this.jobs.get(run.job);
    if (!job) return;
    const tick = run.tick.getTime();
    const attempt = run.attempt + 1;
    const delay = retryDelayMs(job.retries, attempt);
    if (delay !== undefined) {
      const retry = retryRunId(run.runId, attempt);
      await this.requests.trigger(run.job, {
        runId: retry,
        trigger: 'retry',
        attempt,
        notBefore: now + delay,
        tick,
        reason: `retry ${attempt - 1} of ${job.retries.max} after lost run ${run.runId}`,
      });
      this.logger.log({
        msg: 'retry requested',
        ...context,
        retryRunId: retry,
        notBefore: now + delay,
      });
      return;
    }
    this.alerts.raiseFor(job, {
      runId: run.runId,
      job: run.job,
      status: 'lost',
      attempt: run.attempt,
      tick,
      workerId: run.workerId,
      error,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }
}
