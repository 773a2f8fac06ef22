import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { AlertsService } from '../alerts/alerts.service';
import { AppConfig } from '../config/app-config';
import { JobsRepository } from '../jobs/jobs.repository';
import { RunRequestsRepository } from '../jobs/run-requests.repository';
import { retryRunId } from '../logs/run.model';
import { Run } from '../logs/schemas/run.schema';
import { jobLabels, MetricsService } from '../metrics/metrics.service';
import { retryDelayMs } from '../scheduler/backoff';
import { WorkersRepository } from '../workers/workers.repository';
import { LeaderElection } from './leader-election.service';
import { lostRuns } from './lost-runs';

type LostRun = Pick<Run, 'runId' | 'job' | 'tick' | 'attempt' | 'workerId'>;

const LOST_ERROR = 'the worker running it lost its etcd session (died, hung or was cut off)';
/** Runs marked lost per statement. */
const MARK_CHUNK = 500;

/**
 * The leader marks `lost` every run recorded `running` whose running key (on its worker's
 * session lease) has been gone for a while, raises its alert and, when the job allows, asks for
 * a retry. The delay keeps a run whose completion is still on its way (batched or spooled by a
 * worker) from being called lost.
 */
@Injectable()
export class ReaperService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReaperService.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  /** runId → when this leader first saw it without a running key. */
  private missingSince = new Map<string, number>();

  constructor(
    @InjectModel(Run.name) private readonly runs: Model<Run>,
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
    const recorded = await this.runs
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
   * Marks the runs lost that are still recorded `running`, with one update and one read for all
   * of them (FerretDB v1 scans the collection for each statement: one update per run let a
   * worker's SIGKILL during hundreds of runs leave them `running` for minutes). The read finds
   * exactly the records this update changed: status `lost` with this sweep's `endedAt`.
   */
  private async markLost(runIds: string[], now: number): Promise<LostRun[]> {
    const endedAt = new Date(now);
    await this.runs.updateMany(
      { runId: { $in: runIds }, status: 'running' },
      { $set: { status: 'lost', error: LOST_ERROR, endedAt } },
    );
    return this.runs
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
