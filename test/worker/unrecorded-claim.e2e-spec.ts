import { MongoClient } from 'mongodb';
import { runIdFor } from '../../src/logs/run.model';
import { AppProcess } from '../support/app-process';
import { isolationId, testStack } from '../support/env';
import { RunDoc, sleep, WorkerHarness } from './worker-harness';

/**
 * A claim can commit in etcd while its worker dies before the answer arrives: the mark names the
 * tick, and nothing ever records it. The worker that takes the job over writes such a tick
 * `lost` after a grace period, unless a record exists (insert-if-absent).
 */
describe('a tick claimed by a worker that died before recording it', () => {
  const stack = testStack();
  const harness = new WorkerHarness(isolationId('unrec'), stack.mongoUrl, stack.etcdEndpoints);
  let worker: AppProcess | undefined;
  let mongo: MongoClient;

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await mongo?.close();
    await harness.close();
  });

  it('is recorded lost by the next owner (or by its claimer restarted); an existing record is left alone', async () => {
    const hour = 3_600_000;
    const lastTick = Math.floor(Date.now() / hour) * hour;
    const mark = (job: string, skipped = false, workerId = 'ghost') => ({
      lastTick,
      runId: runIdFor(job, lastTick),
      workerId,
      ...(skipped ? { skipped: true } : {}),
    });
    for (const job of ['unrecorded', 'own', 'recorded', 'skipped', 'orphan']) {
      await harness.putJob(harness.job(job, { cronExpr: '@every 1h' }));
    }
    await harness.put('state/unrecorded', mark('unrecorded'));
    // Claimed by this worker's id before a restart, with no journal left to replay.
    await harness.put('state/own', mark('own', false, 'heir'));
    await harness.put('state/recorded', mark('recorded'));
    // An audit whose auditor died in its grace period, after the mark had moved on (a later tick
    // skipped): only the audit kept in etcd still knows of the claim.
    await harness.put('state/orphan', { ...mark('orphan', true), lastTick: lastTick + hour });
    await harness.put(`audit/${runIdFor('orphan', lastTick)}`, {
      job: 'orphan',
      state: mark('orphan'),
    });
    await harness.put('state/skipped', mark('skipped', true));
    mongo = new MongoClient(stack.mongoUrl);
    const runs = mongo.db(harness.id).collection('runs');
    await runs.insertOne({
      runId: runIdFor('recorded', lastTick),
      job: 'recorded',
      tick: new Date(lastTick),
      attempt: 1,
      trigger: 'schedule',
      workerId: 'ghost',
      status: 'succeeded',
    });

    worker = await harness.startWorker('heir');
    let lost: RunDoc[] = [];
    for (let i = 0; i < 90 && lost.length < 3; i++) {
      await sleep(1000);
      lost = await harness.runs({ status: 'lost' });
    }
    lost.sort((a, b) => a.job.localeCompare(b.job));
    expect(lost).toEqual([
      expect.objectContaining({
        runId: runIdFor('orphan', lastTick),
        workerId: 'ghost',
        error: 'claimed by worker ghost, which stopped before recording the run',
      }),
      expect.objectContaining({
        runId: runIdFor('own', lastTick),
        workerId: 'heir',
        error: 'claimed by worker heir, which stopped before recording the run',
      }),
      expect.objectContaining({
        runId: runIdFor('unrecorded', lastTick),
        job: 'unrecorded',
        workerId: 'ghost',
        error: 'claimed by worker ghost, which stopped before recording the run',
      }),
    ]);
    const all = await harness.runs({});
    expect(all.find((r) => r.job === 'recorded')?.status).toBe('succeeded');
    // The skipped mark's tick is never recorded (a later tick may run: the jobs fire hourly).
    expect(
      all.filter((r) => r.job === 'skipped' && r.runId === runIdFor('skipped', lastTick)),
    ).toEqual([]);
    // Settled audits leave nothing behind in etcd.
    expect(Object.keys(await harness.keys('audit/'))).toEqual([]);
    await harness.deleteJobs();
  }, 150_000);
});
