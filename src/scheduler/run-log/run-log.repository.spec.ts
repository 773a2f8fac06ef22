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
 * unordered insertMany reports duplicates per document, find reads stored statuses, deleteMany
 * removes records by runId.
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
  deletes = 0;

  /** deleteMany({runId: {$in}}): one statement, however many records it removes. */
  async deleteMany(filter: { runId: { $in: string[] } }): Promise<void> {
    this.deletes += 1;
    for (const id of filter.runId.$in) this.docs.delete(id);
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

  it('does not rewrite a final that is stored already (a replay): one find, no delete', async () => {
    await repository.write([final]);
    await repository.write([final, start]);
    expect(collection.deletes).toBe(0);
    expect(collection.finds).toBe(1);
  });

  it('a real outcome replaces a lost placeholder', async () => {
    await repository.write([{ kind: 'start', run: { ...record('lost'), error: 'placeholder' } }]);
    await repository.write([final]);
    expect(collection.docs.get('r')).toEqual(expect.objectContaining({ status: 'succeeded' }));
    expect(collection.docs.get('r')).not.toHaveProperty('error');
  });

  it('replaces a batch of started records with one find and one delete', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `r${i}`);
    await repository.write(ids.map((id) => ({ kind: 'start', run: testRun(id, 'running') })));
    const finals: RunLogOp[] = ids.map((id) => ({ kind: 'final', run: testRun(id, 'failed') }));
    expect(await repository.write(finals)).toEqual({ retry: [] });
    expect([collection.finds, collection.deletes]).toEqual([1, 1]);
    expect(ids.every((id) => collection.docs.get(id)?.status === 'failed')).toBe(true);
  });
});
