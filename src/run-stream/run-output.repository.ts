import { Injectable } from '@nestjs/common';
import { InjectConnection, InjectModel } from '@nestjs/mongoose';
import { Connection, ConnectionStates, Model } from 'mongoose';
import { RunOutputChunk } from './run-output.schema';

/** Live output chunks in MongoDB: appended by the executing worker, read by the master's SSE. */
@Injectable()
export class RunOutputRepository {
  constructor(
    @InjectModel(RunOutputChunk.name) private readonly chunks: Model<RunOutputChunk>,
    @InjectConnection() private readonly connection: Connection,
  ) {}

  get connected(): boolean {
    return this.connection.readyState === ConnectionStates.connected;
  }

  private indexes?: Promise<void>;

  async append(chunks: RunOutputChunk[]): Promise<void> {
    if (chunks.length === 0) return;
    this.indexes ??= this.chunks.createIndexes().catch((error: Error) => {
      this.indexes = undefined;
      throw error;
    });
    await this.indexes;
    await this.chunks.insertMany(chunks, { ordered: false });
  }

  async after(runId: string, seq: number, limit = 200): Promise<RunOutputChunk[]> {
    return this.chunks
      .find({ runId, seq: { $gt: seq } }, { _id: 0 })
      .sort({ seq: 1 })
      .limit(limit)
      .lean<RunOutputChunk[]>()
      .exec();
  }

  async deleteOlderThan(at: Date): Promise<number> {
    const result = await this.chunks.deleteMany({ at: { $lt: at } }).exec();
    return result.deletedCount;
  }
}
