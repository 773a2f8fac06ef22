import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { FilterQuery, Model } from 'mongoose';
import { RunStatus } from './run.model';
import { Run } from './schemas/run.schema';

export interface RunQuery {
  job: string;
  statuses?: RunStatus[];
  /** Ticks at or after this time. */
  from?: Date;
  /** Ticks at or before this time. */
  to?: Date;
  /** Runs strictly older than this (tick, runId) position: the pagination cursor. */
  before?: { tick: Date; runId: string };
  limit: number;
}

const SUMMARY = { _id: 0, output: 0 } as const;

/**
 * Read side of the run history (`runs`, written by workers). Newest first by (tick, runId).
 * Queries stay within FerretDB's means: find, sort, skip, limit and plain comparisons.
 */
@Injectable()
export class RunsRepository {
  constructor(@InjectModel(Run.name) private readonly runs: Model<Run>) {}

  /** Runs without their output. */
  async find(query: RunQuery): Promise<Run[]> {
    const conditions: FilterQuery<Run>[] = [{ job: query.job }];
    if (query.statuses && query.statuses.length > 0)
      conditions.push({ status: { $in: query.statuses } });
    if (query.from) conditions.push({ tick: { $gte: query.from } });
    if (query.to) conditions.push({ tick: { $lte: query.to } });
    if (query.before) {
      const { tick, runId } = query.before;
      conditions.push({ $or: [{ tick: { $lt: tick } }, { tick, runId: { $lt: runId } }] });
    }
    return this.runs
      .find({ $and: conditions }, SUMMARY)
      .sort({ tick: -1, runId: -1 })
      .limit(query.limit)
      .lean<Run[]>()
      .exec();
  }

  /** The newest run of a job, without output. */
  async last(job: string): Promise<Run | undefined> {
    const [run] = await this.runs
      .find({ job }, SUMMARY)
      .sort({ tick: -1, runId: -1 })
      .limit(1)
      .lean<Run[]>()
      .exec();
    return run;
  }

  /** One run with its output. */
  async get(runId: string): Promise<Run | undefined> {
    const run = await this.runs.findOne({ runId }, { _id: 0 }).lean<Run>().exec();
    return run ?? undefined;
  }

  /** The original crontab's paging: newest first, with output. */
  async page(job: string, skip: number, limit: number): Promise<Run[]> {
    return this.runs
      .find({ job }, { _id: 0 })
      .sort({ tick: -1, runId: -1 })
      .skip(skip)
      .limit(limit)
      .lean<Run[]>()
      .exec();
  }
}
