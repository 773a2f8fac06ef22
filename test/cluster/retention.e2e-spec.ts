import { MongoClient } from 'mongodb';
import { waitUntil } from '../../tools/stack/services';
import { appEnv, isolationId, testStack } from '../support/env';
import { AppProcess, startApp } from '../support/app-process';

const DAY = 86_400_000;

describe('run retention (leader)', () => {
  const id = isolationId('retention');
  const client = new MongoClient(`${testStack().mongoUrl}/${id}`);
  let app: AppProcess | undefined;

  afterAll(async () => {
    await app?.stop();
    await client.close();
  });

  it('removes exactly the runs older than RETENTION_DAYS or beyond RETENTION_MAX_RUNS per job', async () => {
    const now = Date.now();
    const runs = client.db().collection('runs');
    const active = client.db().collection('runs_active');
    const seed: { runId: string; job: string; tick: Date }[] = [];
    const add = (job: string, ageMs: number, n: number): void => {
      const tick = new Date(now - ageMs);
      seed.push({ runId: `${job}@${tick.getTime()}#${n}`, job, tick });
    };
    // old: 3 runs of "a" two days old (past the age limit).
    for (let i = 0; i < 3; i++) add('a', 2 * DAY + i * 1000, i);
    // "a": 7 recent runs; keep the newest 5.
    for (let i = 0; i < 7; i++) add('a', (i + 1) * 60_000, i);
    // "b": 4 recent runs, under the count limit: all stay.
    for (let i = 0; i < 4; i++) add('b', (i + 1) * 60_000, i);
    // "c": two runs with the same tick at the boundary: the run id breaks the tie.
    for (let i = 0; i < 6; i++) add('c', (i + 1) * 60_000, i);
    add('c', 6 * 60_000, 99);
    await runs.insertMany(
      seed.map((s) => ({
        ...s,
        attempt: 1,
        trigger: 'schedule',
        status: 'succeeded',
        truncated: false,
      })),
    );

    // Active records: a lost placeholder past the age limit goes, a recent running run stays.
    const activeRecord = (runId: string, ageMs: number, status: string) => ({
      runId,
      job: 'a',
      tick: new Date(now - ageMs),
      attempt: 1,
      trigger: 'schedule',
      status,
    });
    await active.insertMany([
      activeRecord('a@old-placeholder', 2 * DAY, 'lost'),
      activeRecord('a@running', 1000, 'running'),
    ]);

    const expected = [
      ...seed
        .filter((s) => s.job === 'a' && now - s.tick.getTime() < DAY)
        .sort(byNewest)
        .slice(0, 5),
      ...seed.filter((s) => s.job === 'b'),
      ...seed
        .filter((s) => s.job === 'c')
        .sort(byNewest)
        .slice(0, 5),
    ]
      .map((s) => s.runId)
      .sort();

    app = await startApp(
      appEnv(id, {
        ROLE: 'master',
        RETENTION_DAYS: '1',
        RETENTION_MAX_RUNS: '5',
        RETENTION_INTERVAL_SECONDS: '1',
        SESSION_TTL_SECONDS: '3',
      }),
    );
    await waitUntil(
      async () => (await runs.countDocuments()) === expected.length,
      20000,
      'retention to run',
    );
    await new Promise((r) => setTimeout(r, 2000));
    const left = (await runs.find({}, { projection: { runId: 1 } }).toArray())
      .map((d) => String(d.runId))
      .sort();
    expect(left).toEqual(expected);
    const activeLeft = await active.find({}, { projection: { _id: 0, runId: 1 } }).toArray();
    expect(activeLeft).toEqual([{ runId: 'a@running' }]);
  });
});

function byNewest(a: { tick: Date; runId: string }, b: { tick: Date; runId: string }): number {
  return (
    b.tick.getTime() - a.tick.getTime() || (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0)
  );
}
