import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { AppConfig } from '../config/app-config';
import { ACTIVE_RUN, Run } from '../logs/schemas/run.schema';
import { LeaderElection } from './leader-election.service';

const DELETE_CHUNK = 1000;

export interface RetentionResult {
  byAge: number;
  byCount: number;
}

/**
 * The leader keeps run history within RETENTION_DAYS and RETENTION_MAX_RUNS per job. Both limits
 * are enforced with plain deleteMany (works on FerretDB); on servers with TTL indexes a TTL index
 * on `tick` also expires old runs between sweeps. Active records (runs_active) older than
 * RETENTION_DAYS go too: a `lost` placeholder nothing replaced, a run that never ended.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private timer?: NodeJS.Timeout;
  private ttlIndexTried = false;
  private sweeping?: Promise<unknown>;

  constructor(
    @InjectModel(Run.name) private readonly runs: Model<Run>,
    @InjectModel(ACTIVE_RUN) private readonly active: Model<Run>,
    private readonly config: AppConfig,
    private readonly election: LeaderElection,
  ) {}

  onApplicationBootstrap(): void {
    this.election.onChange((leading) => {
      clearInterval(this.timer);
      if (!leading) return;
      this.trigger();
      this.timer = setInterval(() => this.trigger(), this.config.RETENTION_INTERVAL_SECONDS * 1000);
    });
  }

  private trigger(): void {
    if (this.sweeping || !this.election.isLeader()) return;
    this.sweeping = this.sweep()
      .then((result) => {
        if (result.byAge + result.byCount > 0)
          this.logger.log({ msg: 'retention sweep', ...result });
      })
      .catch((error: Error) =>
        this.logger.warn({ msg: 'retention sweep failed', err: error.message }),
      )
      .finally(() => (this.sweeping = undefined));
  }

  async sweep(now = Date.now()): Promise<RetentionResult> {
    await this.ensureTtlIndex();
    const cutoff = new Date(now - this.config.RETENTION_DAYS * 86_400_000);
    let byAge = 0;
    for (const model of [this.runs, this.active])
      byAge += (await model.deleteMany({ tick: { $lt: cutoff } })).deletedCount;
    let byCount = 0;
    const jobs = (await this.runs.distinct('job')) as string[];
    for (const job of jobs) byCount += await this.trimJob(job);
    return { byAge, byCount };
  }

  /** Deletes a job's runs beyond the newest RETENTION_MAX_RUNS (by tick, then run id). */
  private async trimJob(job: string): Promise<number> {
    const excess = await this.runs
      .find({ job }, { _id: 1 })
      .sort({ tick: -1, runId: -1 })
      .skip(this.config.RETENTION_MAX_RUNS)
      .lean<{ _id: Types.ObjectId }[]>();
    let deleted = 0;
    for (let i = 0; i < excess.length; i += DELETE_CHUNK) {
      const ids = excess.slice(i, i + DELETE_CHUNK).map((doc) => doc._id);
      deleted += (await this.runs.deleteMany({ _id: { $in: ids } })).deletedCount;
    }
    return deleted;
  }

  /** Feature detection: FerretDB v1 rejects TTL indexes, MongoDB accepts them. */
  private async ensureTtlIndex(): Promise<void> {
    if (this.ttlIndexTried) return;
    this.ttlIndexTried = true;
    try {
      await this.runs.collection.createIndex(
        { tick: 1 },
        { name: 'retention_ttl', expireAfterSeconds: this.config.RETENTION_DAYS * 86_400 },
      );
    } catch (error) {
      this.logger.log({
        msg: 'no TTL index on this server; retention relies on sweeps',
        reason: (error as Error).message,
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }
}
