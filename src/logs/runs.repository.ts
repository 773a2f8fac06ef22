import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { FilterQuery, Model, ProjectionType } from 'mongoose';
import { mergeRuns } from './run-merge';
import { RunStatus } from './run.model';
import { ACTIVE_RUN, Run } from './schemas/run.schema';

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
const NEWEST_FIRST = { tick: -1, runId: -1 } as const;

/**
 * Read side of the run history, written by workers: outcomes in `runs`, runs still going in
 * `runs_active` (see run.schema.ts), read as one history where an outcome wins. Newest first by
 * (tick, runId). Queries stay within FerretDB's means: find, sort, skip, limit and plain
 * comparisons.
 */
@Injectable()
export class RunsRepository {
  constructor(
    @InjectModel(Run.name) private readonly outcomes: Model<Run>,
    @InjectModel(ACTIVE_RUN) private readonly active: Model<Run>,
  ) {}

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
    const filter = { $and: conditions };
    if (!query.statuses?.length) return this.list(filter, SUMMARY, query.limit);
    // A filter on status may let in the active record of a run and leave out its outcome (a
    // stale `running` record the reaper has not dropped yet): such records are left out, and
    // the page is read again that much longer so it stays full.
    for (let extra = 0; ;) {
      const listed = await this.list(filter, SUMMARY, query.limit + extra);
      const runs = await this.withoutSettled(listed);
      const dropped = listed.length - runs.length;
      const exhausted = listed.length < query.limit + extra;
      if (dropped === 0 || exhausted || runs.length >= query.limit)
        return runs.slice(0, query.limit);
      extra += dropped;
    }
  }

  /** The runs less the active records whose run has another outcome stored. */
  private async withoutSettled(runs: Run[]): Promise<Run[]> {
    const open = runs.filter((run) => run.status === 'running' || run.status === 'lost');
    if (open.length === 0) return runs;
    const settled = await this.outcomes
      .find({ runId: { $in: open.map((run) => run.runId) } }, { _id: 0, runId: 1, status: 1 })
      .lean<Pick<Run, 'runId' | 'status'>[]>()
      .exec();
    const outcomeOf = new Map(settled.map((run) => [run.runId, run.status]));
    return runs.filter((run) => {
      const outcome = outcomeOf.get(run.runId);
      return outcome === undefined || outcome === run.status;
    });
  }

  /** The newest run of a job, without output. */
  async last(job: string): Promise<Run | undefined> {
    const [run] = await this.list({ job }, SUMMARY, 1);
    return run;
  }

  /** One run with its output. */
  async get(runId: string): Promise<Run | undefined> {
    return this.one(runId, { _id: 0 });
  }

  /** One run's record, with the given fields: its outcome when stored, else its active record. */
  async one(runId: string, projection: ProjectionType<Run>): Promise<Run | undefined> {
    const outcome = await this.outcomes.findOne({ runId }, projection).lean<Run>().exec();
    if (outcome) return outcome;
    return (await this.active.findOne({ runId }, projection).lean<Run>().exec()) ?? undefined;
  }

  /**
   * The records of these runs, with the given fields (runId among them): one read of each
   * collection however many ids (FerretDB v1 scans a collection per statement, so ask in bulk),
   * an outcome winning over an active record.
   */
  async byIds(runIds: string[], projection: ProjectionType<Run>): Promise<Map<string, Run>> {
    const found = new Map<string, Run>();
    if (runIds.length === 0) return found;
    const filter = { runId: { $in: runIds } };
    const [outcomes, active] = await Promise.all([
      this.outcomes.find(filter, projection).lean<Run[]>().exec(),
      this.active.find(filter, projection).lean<Run[]>().exec(),
    ]);
    for (const run of active) found.set(run.runId, run);
    for (const run of outcomes) found.set(run.runId, run);
    return found;
  }

  /** The original crontab's paging: newest first, with output. */
  async page(job: string, skip: number, limit: number): Promise<Run[]> {
    const merged = await this.list({ job }, { _id: 0 }, skip + limit);
    return merged.slice(skip);
  }

  private async list(
    filter: FilterQuery<Run>,
    projection: ProjectionType<Run>,
    limit: number,
  ): Promise<Run[]> {
    const read = (model: Model<Run>): Promise<Run[]> =>
      model.find(filter, projection).sort(NEWEST_FIRST).limit(limit).lean<Run[]>().exec();
    const [outcomes, active] = await Promise.all([read(this.outcomes), read(this.active)]);
    return mergeRuns(outcomes, active, limit);
  }
}
