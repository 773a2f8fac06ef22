import { Injectable } from '@nestjs/common';
import { InjectConnection, InjectModel } from '@nestjs/mongoose';
import { Connection, ConnectionStates, Model } from 'mongoose';
import { ACTIVE_RUN, Run } from '../../logs/schemas/run.schema';
import { insertMissing } from '../../mongo/insert-missing';
import { RunLogOp, runDocument } from './run-record';

/** Outcome of one write: the indexes of ops that must be tried again later. */
export interface BulkOutcome {
  retry: number[];
}

/**
 * Run records in MongoDB, keyed by the unique runId in both collections: a run's outcome (a
 * `final`) is inserted into `runs` and never changed, a run still going (a `start`: its `running`
 * record, or a placeholder such as a `lost` tick) is inserted into `runs_active`, and deleted
 * there once its outcome is stored. So the history is insert-only, and the one filtered statement
 * a batch costs (FerretDB v1 scans the whole collection for each) is a delete in the small active
 * collection. A duplicate key means the record is there already (a journal or spool replay):
 * writing a batch twice changes nothing. No transactions, no TTL indexes.
 */
@Injectable()
export class RunLogRepository {
  private indexes?: Promise<void>;

  constructor(
    @InjectModel(Run.name) private readonly outcomes: Model<Run>,
    @InjectModel(ACTIVE_RUN) private readonly active: Model<Run>,
    @InjectConnection() private readonly connection: Connection,
  ) {}

  get connected(): boolean {
    return this.connection.readyState === ConnectionStates.connected;
  }

  /**
   * The unique indexes on runId are what make insert-first idempotent, so they must exist before
   * the first insert; mongoose's autoIndex gives no such promise on a lazy connection.
   */
  private ensureIndexes(): Promise<void> {
    this.indexes ??= Promise.all([this.outcomes.createIndexes(), this.active.createIndexes()]).then(
      () => undefined,
      (error: Error) => {
        this.indexes = undefined;
        throw error;
      },
    );
    return this.indexes;
  }

  /** Throws when the server cannot be reached at all; per-op failures come back as `retry`. */
  async write(ops: RunLogOp[]): Promise<BulkOutcome> {
    if (ops.length === 0) return { retry: [] };
    await this.ensureIndexes();
    const finals = indexesOf(ops, 'final');
    const retry = await this.insert(this.outcomes, finals, ops);
    const failed = new Set(retry);
    const settled = new Set(finals.filter((i) => !failed.has(i)).map((i) => ops[i].run.runId));
    if (settled.size > 0) await this.active.collection.deleteMany({ runId: { $in: [...settled] } });
    // A start whose outcome is in this batch too (a replay of both) has nothing left to record.
    const starts = indexesOf(ops, 'start').filter((i) => !settled.has(ops[i].run.runId));
    retry.push(...(await this.insert(this.active, starts, ops)));
    return { retry: retry.sort((a, b) => a - b) };
  }

  /** One unordered insert of these ops' records; duplicates are done, the rest come back. */
  private async insert(model: Model<Run>, indexes: number[], ops: RunLogOp[]): Promise<number[]> {
    const docs = indexes.map((i) => runDocument(ops[i].run));
    const failures = await insertMissing(model.collection, docs);
    return failures.map((failure) => indexes[failure.index]);
  }
}

function indexesOf(ops: RunLogOp[], kind: RunLogOp['kind']): number[] {
  return ops.flatMap((op, index) => (op.kind === kind ? [index] : []));
}
