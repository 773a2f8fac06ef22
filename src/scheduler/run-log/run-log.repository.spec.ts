import { Connection, ConnectionStates, Model, mongo } from 'mongoose';
import type { Run } from '../../logs/schemas/run.schema';
import { RunLogRepository } from './run-log.repository';
import { RunLogOp, RunRecord } from './run-record';
import { testRun } from './run-record.fixture';

// The schema's decorators need TypeScript's own metadata; the repository only needs the names.
jest.mock('../../logs/schemas/run.schema', () => ({ Run: class Run {}, ACTIVE_RUN: 'ActiveRun' }));

type Doc = Record<string, unknown>;

/**
 * The calls the repository makes on a collection with its unique index on runId: an unordered
 * insertMany reports duplicates per document, find reads records by runId, deleteMany removes
 * them. Every statement is counted: each is a full scan on FerretDB v1.
 */
class FakeCollection {
  readonly docs = new Map<string, Doc>();
  statements = 0;

  async insertMany(docs: Doc[]): Promise<void> {
    this.statements += 1;
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

  find(filter: { runId: { $in: string[] } }): { toArray: () => Promise<Doc[]> } {
    this.statements += 1;
    const docs = filter.runId.$in.flatMap((id) => {
      const doc = this.docs.get(id);
      return doc ? [{ runId: doc.runId }] : [];
    });
    return { toArray: async () => docs };
  }

  async deleteMany(filter: { runId: { $in: string[] } }): Promise<void> {
    this.statements += 1;
    for (const id of filter.runId.$in) this.docs.delete(id);
  }
}

const record = (status: RunRecord['status']): RunRecord => testRun('r', status);
const start: RunLogOp = { kind: 'start', run: record('running') };
const final: RunLogOp = { kind: 'final', run: { ...record('succeeded'), exitCode: 0 } };

describe('RunLogRepository', () => {
  let outcomes: FakeCollection;
  let active: FakeCollection;
  let repository: RunLogRepository;

  beforeEach(() => {
    outcomes = new FakeCollection();
    active = new FakeCollection();
    const model = (collection: FakeCollection) =>
      ({ collection, createIndexes: async () => undefined }) as unknown as Model<Run>;
    repository = new RunLogRepository(model(outcomes), model(active), {
      readyState: ConnectionStates.connected,
    } as unknown as Connection);
  });

  it.each([
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
  ])('%s leaves the outcome and no active record', async (_, batches) => {
    for (const batch of batches) expect(await repository.write(batch)).toEqual({ retry: [] });
    expect(outcomes.docs.get('r')).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(active.docs.has('r')).toBe(false);
  });

  it('a start replayed after its outcome leaves the outcome as it was', async () => {
    await repository.write([final]);
    await repository.write([start]);
    expect(outcomes.docs.get('r')).toMatchObject({ status: 'succeeded', exitCode: 0 });
  });

  it('never reads or rewrites the history: a replayed outcome is one insert', async () => {
    await repository.write([final]);
    outcomes.statements = 0;
    expect(await repository.write([final])).toEqual({ retry: [] });
    expect(outcomes.statements).toBe(1);
  });

  it('a real outcome replaces a lost placeholder', async () => {
    await repository.write([{ kind: 'start', run: { ...record('lost'), error: 'placeholder' } }]);
    expect(active.docs.get('r')).toMatchObject({ status: 'lost' });
    await repository.write([final]);
    expect(outcomes.docs.get('r')).toMatchObject({ status: 'succeeded' });
    expect(outcomes.docs.get('r')).not.toHaveProperty('error');
    expect(active.docs.has('r')).toBe(false);
  });

  it('settles a batch of started runs with one insert and one delete', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `r${i}`);
    await repository.write(ids.map((id) => ({ kind: 'start', run: testRun(id, 'running') })));
    outcomes.statements = active.statements = 0;
    const finals: RunLogOp[] = ids.map((id) => ({ kind: 'final', run: testRun(id, 'failed') }));
    expect(await repository.write(finals)).toEqual({ retry: [] });
    expect([outcomes.statements, active.statements]).toEqual([1, 1]);
    expect(ids.every((id) => outcomes.docs.get(id)?.status === 'failed')).toBe(true);
    expect(active.docs.size).toBe(0);
  });
});
