import { Injectable } from '@nestjs/common';
import { InjectConnection, InjectModel } from '@nestjs/mongoose';
import { AnyBulkWriteOperation, Connection, ConnectionStates, Model, mongo } from 'mongoose';
import { Run } from '../../logs/schemas/run.schema';
import { RunLogOp, runDocument } from './run-record';

const DUPLICATE_KEY = 11000;

/** Outcome of one bulk write: the indexes of ops that must be tried again later. */
export interface BulkOutcome {
  retry: number[];
}

/**
 * Run records in MongoDB: unordered bulk upserts keyed by runId, so a batch written twice (after
 * a spool replay, say) changes nothing. Plain updates only: no transactions, no TTL indexes,
 * nothing FerretDB v1 lacks.
 */
@Injectable()
export class RunLogRepository {
  constructor(
    @InjectModel(Run.name) private readonly runs: Model<Run>,
    @InjectConnection() private readonly connection: Connection,
  ) {}

  get connected(): boolean {
    return this.connection.readyState === ConnectionStates.connected;
  }

  /** Throws when the server cannot be reached at all; per-op failures come back as `retry`. */
  async write(ops: RunLogOp[]): Promise<BulkOutcome> {
    if (ops.length === 0) return { retry: [] };
    const writes: AnyBulkWriteOperation<Run>[] = ops.map((op) => {
      const doc = runDocument(op.run);
      const update = op.kind === 'start' ? { $setOnInsert: doc } : { $set: doc };
      return { updateOne: { filter: { runId: op.run.runId }, update, upsert: true } };
    });
    try {
      await this.runs.bulkWrite(writes, { ordered: false });
      return { retry: [] };
    } catch (error) {
      if (!(error instanceof mongo.MongoBulkWriteError)) throw error;
      const failures = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
      if (failures.length === 0) throw error;
      // A duplicate key means another upsert of the same runId won the race: the record exists.
      return { retry: failures.filter((f) => f.code !== DUPLICATE_KEY).map((f) => f.index) };
    }
  }
}
