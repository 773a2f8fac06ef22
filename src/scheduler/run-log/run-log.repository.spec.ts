import { Connection, ConnectionStates, Model, mongo } from 'mongoose';
import type { Run } from '../../logs/schemas/run.schema';
import { RunLogRepository } from './run-log.repository';
import { RunLogOp, RunRecord } from './run-record';
import { testRun } from './run-record.fixture';

// The schema's decorators need TypeScript's own metadata; the repository only needs the name.
jest.mock('../../logs/schemas/run.schema', () => ({ Run: class Run {} }));

type Doc = Record<string, unknown>;

/**
 * The calls the repository makes on the `runs` collection, with its unique index on runId: an
 * unordered insertMany reports duplicates per document, find reads stored statuses, updateOne
 * with upsert applies `$set`.
 */
class FakeCollection {
  readonly docs = new Map<string, Doc>();

  async insertMany(docs: Doc[]): Promise<void> {
    const writeErrors: { index: number; code: number }[] = [];
    docs.forEach((doc, index) => {
      const runId = doc.runId as string;
      if (this.docs.has(runId)) writeErrors.push({ index, code: 11000 });
      else this.docs.set(runId, { ...doc });
    });
    if (writeErrors.length > 0) {
      throw new mongo.MongoBulkWriteError(
        { message: 'E11000 duplicate key error', code: 11000, writeErrors } as never,
        {} as never,
      );
    }
  }

  /** find({runId: {$in}}) with a projection: the stored records of those runs. */
  find(filter: { runId: { $in: string[] } }): { toArray: () => Promise<Doc[]> } {
    this.finds += 1;
    const docs = filter.runId.$in.flatMap((id) => {
      const doc = this.docs.get(id);
      return doc ? [{ runId: doc.runId, status: doc.status }] : [];
    });
    return { toArray: async () => docs };
  }

  finds = 0;
  updates = 0;

  async bulkWrite(
    ops: { updateOne: { filter: { runId: string }; update: { $set: Doc } } }[],
  ): Promise<void> {
    for (const { updateOne } of ops) {
      this.updates += 1;
      const runId = updateOne.filter.runId;
      this.docs.set(runId, { ...this.docs.get(runId), ...updateOne.update.$set });
    }
  }
}

const record = (status: RunRecord['status']): RunRecord => testRun('r', status);
const start: RunLogOp = { kind: 'start', run: record('running') };
const final: RunLogOp = { kind: 'final', run: { ...record('succeeded'), exitCode: 0 } };

/** The ordering rule replays rely on: a start never downgrades a record that exists. */
describe('RunLogRepository', () => {
  let collection: FakeCollection;
  let repository: RunLogRepository;

  beforeEach(() => {
    collection = new FakeCollection();
    const model = { collection, createIndexes: async () => undefined };
    repository = new RunLogRepository(
      model as unknown as Model<Run>,
      {
        readyState: ConnectionStates.connected,
      } as unknown as Connection,
    );
  });

  it.each([
    ['a start replayed after its final (separate batches)', [[final], [start]]],
    ['start then final (separate batches)', [[start], [final]]],
    ['start then final in one batch', [[start, final]]],
    ['final then start in one batch', [[final, start]]],
    [
      'a whole batch replayed twice',
      [
        [start, final],
        [start, final],
      ],
    ],
  ])('%s leaves the final record', async (_, batches) => {
    for (const batch of batches) expect(await repository.write(batch)).toEqual({ retry: [] });
    expect(collection.docs.get('r')).toMatchObject({ status: 'succeeded', exitCode: 0 });
  });

  it('does not update a final that is stored already (a replay): one find, no update', async () => {
    await repository.write([final]);
    await repository.write([final, start]);
    expect(collection.updates).toBe(0);
    expect(collection.finds).toBe(1);
  });

  it('a real outcome replaces a lost placeholder', async () => {
    await repository.write([{ kind: 'start', run: { ...record('lost'), error: 'placeholder' } }]);
    await repository.write([final]);
    expect(collection.docs.get('r')).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(collection.updates).toBe(1);
  });
});
