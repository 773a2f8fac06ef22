import { Model, mongo } from 'mongoose';
import type { AlertEvent } from './alert.model';
import { AlertsRepository } from './alerts.repository';
import type { Alert } from './schemas/alert.schema';

// The schema's decorators need TypeScript's own metadata; the repository only needs the name.
jest.mock('./schemas/alert.schema', () => ({ Alert: class Alert {} }));

/** An `alerts` collection with its unique index on alertId, counting the inserts it gets. */
class FakeCollection {
  readonly docs = new Map<string, Record<string, unknown>>();
  inserts = 0;

  async insertMany(docs: Record<string, unknown>[]): Promise<void> {
    this.inserts += 1;
    const writeErrors: { index: number; code: number }[] = [];
    docs.forEach((doc, index) => {
      const id = doc.alertId as string;
      if (this.docs.has(id)) writeErrors.push({ index, code: 11000 });
      else this.docs.set(id, doc);
    });
    if (writeErrors.length > 0) {
      throw new mongo.MongoBulkWriteError(
        { message: 'E11000 duplicate key error', code: 11000, writeErrors } as never,
        {} as never,
      );
    }
  }
}

const event = (i: number): AlertEvent =>
  ({
    alertId: `job@${i}:missed`,
    job: 'job',
    runId: `job@${i}`,
    status: 'missed',
    attempt: 1,
    workerId: 'w',
    tick: new Date(i).toISOString(),
    raisedAt: new Date().toISOString(),
  }) as AlertEvent;

describe('AlertsRepository.recordRaised', () => {
  it('writes a burst of alerts in a few inserts, each alert once', async () => {
    const collection = new FakeCollection();
    const model = { collection, createIndexes: async () => undefined };
    const repository = new AlertsRepository(model as unknown as Model<Alert>);
    const events = Array.from({ length: 450 }, (_, i) => event(i % 300));
    await Promise.all(events.map((e) => repository.recordRaised(e)));
    expect(collection.docs.size).toBe(300);
    expect(collection.inserts).toBe(3);
    expect(collection.docs.get('job@7:missed')).toMatchObject({ state: 'pending', attempts: 0 });
  });
});
