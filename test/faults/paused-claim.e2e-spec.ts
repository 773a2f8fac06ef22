import { AppProcess } from '../support/app-process';
import { isolationId, testStack } from '../support/env';
import { sleep, WorkerHarness } from '../worker/worker-harness';
import { HoldingProxy } from './holding-proxy';

/**
 * System-level reproduction of a tick lost by the fault suite: a worker's claim reaches etcd and
 * commits, but etcd's answers are held (here by a proxy; in the suite by a SIGSTOP) longer than
 * the client's call deadline and its retries. The tick must still end up run or recorded.
 * One worker, one `runAll` job every second: every tick from the first to the last must be in
 * the ledger or recorded.
 */
describe('a claim committed while the worker hears nothing back from etcd', () => {
  const stack = testStack();
  const etcdUrl = new URL(stack.etcdEndpoints.split(',')[0]);
  const proxy = new HoldingProxy({ host: etcdUrl.hostname, port: Number(etcdUrl.port) });
  const harness = new WorkerHarness(isolationId('heldclaim'), stack.mongoUrl, stack.etcdEndpoints);
  let worker: AppProcess | undefined;

  afterAll(async () => {
    proxy.release();
    await worker?.stop('SIGKILL');
    await proxy.stop();
    await harness.close();
  });

  it('runs or records the tick it claimed', async () => {
    await proxy.start();
    worker = await harness.startWorker('w1', {
      ETCD_ENDPOINTS: `http://127.0.0.1:${proxy.port}`,
      SESSION_TTL_SECONDS: '3',
    });
    await harness.putJob(
      harness.job('held', { misfirePolicy: 'runAll', concurrencyPolicy: 'allow' }),
    );
    await sleep(4000);
    // Hold etcd's answers from 150 ms before a tick for 16 s: the claim of that tick commits.
    const nextTick = Math.ceil((Date.now() + 1000) / 1000) * 1000;
    await sleep(nextTick - 150 - Date.now());
    proxy.holding = true;
    await sleep(16000);
    proxy.release();
    await sleep(12000);
    await harness.pauseJobs();
    const pausedAt = Date.now();
    await sleep(2000);
    await worker.stop('SIGTERM');

    const ran = new Set(harness.readLedger().map((line) => line.tick));
    const records = new Map((await harness.runs()).map((r) => [r.tick.getTime(), r.status]));
    const first = Math.min(...ran);
    const unaccounted: number[] = [];
    for (let tick = first; tick <= pausedAt - 3000; tick += 1000) {
      if (!ran.has(tick) && !records.has(tick)) unaccounted.push(tick);
    }
    process.stdout.write(
      `held claim: held from ${nextTick - 150}, ${ran.size} ran, unaccounted ${JSON.stringify(unaccounted)}\n`,
    );
    for (const tick of unaccounted) {
      const lines = worker
        .output()
        .split('\n')
        .filter((line) => line.includes(String(tick)));
      process.stdout.write(
        `worker log lines about ${tick}: ${lines.length}\n${lines.join('\n')}\n`,
      );
    }
    expect(unaccounted).toEqual([]);
  }, 90000);
});
