import { Injectable } from '@nestjs/common';
import { InjectConnection, InjectModel } from '@nestjs/mongoose';
import { Connection, ConnectionStates, Model, mongo } from 'mongoose';
import { Run } from '../../logs/schemas/run.schema';
import { RunLogOp, runDocument } from './run-record';

const DUPLICATE_KEY = 11000;

/** Outcome of one write: the indexes of ops that must be tried again later. */
export interface BulkOutcome {
  retry: number[];
}

interface WriteFailure {
  index: number;
  code?: number;
}

/**
 * Run records in MongoDB, keyed by the unique runId. Every record is first inserted (one
 * unordered insertMany per batch): a start whose record exists already is done; a completion
 * whose record exists with another status (its start came earlier) replaces it. Inserts are
 * cheap everywhere, while FerretDB v1 scans the whole collection for every filtered read, update
 * or delete, so runs that start and end within one flush interval cost a single insert, and a
 * batch never costs more than one find and one delete. Writing a batch twice (a spool replay)
 * changes nothing. No transactions, no TTL indexes.
 */
@Injectable()
export class RunLogRepository {
  private indexes?: Promise<void>;

  constructor(
    @InjectModel(Run.name) private readonly runs: Model<Run>,
    @InjectConnection() private readonly connection: Connection,
  ) {}

  get connected(): boolean {
    return this.connection.readyState === ConnectionStates.connected;
  }

  /**
   * The unique index on runId is what makes insert-first idempotent, so it must exist before the
   * first insert; mongoose's autoIndex gives no such promise on a lazy connection.
   */
  private ensureIndexes(): Promise<void> {
    this.indexes ??= this.runs.createIndexes().catch((error: Error) => {
      this.indexes = undefined;
      throw error;
    });
    return this.indexes;
  }

  /** Which of `runIds` have a record (one read: a full scan on FerretDB v1, so ask in bulk). */
  async existing(runIds: string[]): Promise<Set<string>> {
    const docs = await this.runs.collection
      .find({ runId: { $in: runIds } }, { projection: { _id: 0, runId: 1 } })
      .toArray();
    return new Set(docs.map((doc) => doc.runId as string));
  }

  /** Throws when the server cannot be reached at all; per-op failures come back as `retry`. */
  async write(ops: RunLogOp[]): Promise<BulkOutcome> {
    if (ops.length === 0) return { retry: [] };
    await this.ensureIndexes();
    const collection = this.runs.collection;
    const retry: number[] = [];
    const inserted = await collection
      .insertMany(
        ops.map((op) => runDocument(op.run)),
        { ordered: false },
      )
      .then(
        () => [] as WriteFailure[],
        (error: unknown) => failuresOf(error),
      );
    const duplicateFinals: number[] = [];
    for (const failure of inserted) {
      if (failure.code !== DUPLICATE_KEY) retry.push(failure.index);
      else if (ops[failure.index].kind === 'final') duplicateFinals.push(failure.index);
    }
    const changed = await this.changedOutcomes(duplicateFinals, ops);
    if (changed.length === 0) return { retry };
    // Replaced rather than updated: one delete for the whole batch, then one insert, where an
    // update each was a full collection scan each on FerretDB v1 (a hundred of them held its
    // write lock for a minute). The journal keeps each op until this returns, so a crash between
    // the two is replayed. A duplicate here means another writer (the reaper's `lost`, say) got
    // in between: tried again with the next batch, which compares statuses afresh.
    await collection.deleteMany({ runId: { $in: changed.map((i) => ops[i].run.runId) } });
    const replaced = await collection
      .insertMany(
        changed.map((i) => runDocument(ops[i].run)),
        { ordered: false },
      )
      .then(
        () => [] as WriteFailure[],
        (error: unknown) => failuresOf(error),
      );
    for (const failure of replaced) retry.push(changed[failure.index]);
    return { retry };
  }

  /**
   * Of the finals whose record exists, those that change it: the stored status differs (its
   * start, a `lost` placeholder). A final already stored (a journal or spool replay) is not
   * written again: one find instead of an update each, which FerretDB v1 runs as a full scan.
   */
  private async changedOutcomes(indexes: number[], ops: RunLogOp[]): Promise<number[]> {
    if (indexes.length === 0) return [];
    const stored = await this.runs.collection
      .find(
        { runId: { $in: indexes.map((i) => ops[i].run.runId) } },
        { projection: { _id: 0, runId: 1, status: 1 } },
      )
      .toArray();
    const statusOf = new Map(stored.map((doc) => [doc.runId as string, doc.status as string]));
    return indexes.filter((i) => statusOf.get(ops[i].run.runId) !== ops[i].run.status);
  }
}

/** Per-op failures of a bulk write; rethrows anything else (the server is unreachable). */
function failuresOf(error: unknown): WriteFailure[] {
  if (!(error instanceof mongo.MongoBulkWriteError)) throw error;
  const list = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  if (list.length === 0) throw error;
  return list.map((e) => ({ index: e.index, code: e.code }));
}
