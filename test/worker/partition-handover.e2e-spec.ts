import { AppProcess } from '../support/app-process';
import { isolationId, testStack } from '../support/env';
import { duplicates, sleep, WorkerHarness } from './worker-harness';

const JOBS = 200;
/** Ticks checked: (t0, t0 + WINDOW_S]. */
const WINDOW_S = 40;
const SETTLE_S = 5;

/** A gauge of a worker's /metrics. */
async function gauge(worker: AppProcess, name: string): Promise<number> {
  const text = await (await fetch(`${worker.baseUrl}/metrics`)).text();
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(text);
  return Number(match?.[1] ?? NaN);
}

/**
 * Partitions move with the membership (docs/coordination.md, "Partitions"): at 200 fires per
 * second, w3 joins w1 and w2, w4 joins, w1 leaves (SIGTERM) and comes back. Each move lists the
 * gained partitions and drops the lost ones while ticks keep falling due. With `runAll` every tick
 * of the window must be in the ledger exactly once. A joining worker reads only its share of the
 * definitions, and the owned jobs add up to all of them.
 */
describe(`partition handover: ${JOBS} jobs every second, workers joining and leaving`, () => {
  const stack = testStack();
  const harness = new WorkerHarness(isolationId('handover'), stack.mongoUrl, stack.etcdEndpoints);
  const workers = new Map<string, AppProcess>();
  const env = { SESSION_TTL_SECONDS: '5' };

  afterAll(async () => {
    for (const worker of workers.values()) await worker.stop('SIGKILL');
    await harness.close();
  });

  it('moves partitions with 0 duplicates and every tick run once', async () => {
    const start = async (id: string) => workers.set(id, await harness.startWorker(id, env));
    await Promise.all(['w1', 'w2'].map(start));
    const names = Array.from({ length: JOBS }, (_, i) => `job-${i}`);
    for (const name of names) {
      await harness.putJob(
        harness.job(name, {
          cronExpr: '* * * * * *',
          concurrencyPolicy: 'allow',
          misfirePolicy: 'runAll',
          catchupWindowSeconds: 120,
        }),
      );
    }
    for (let i = 0; Object.keys(await harness.keys('state/')).length < JOBS; i++) {
      if (i > 150) throw new Error('not every job fired within 30 s');
      await sleep(200);
    }
    const t0 = Math.ceil((Date.now() + 1) / 1000) * 1000;
    const at = (s: number) => sleep(Math.max(0, t0 + s * 1000 - Date.now()));

    await at(5);
    await start('w3');
    await at(12);
    await start('w4');
    await at(20);
    await workers.get('w1')!.stop('SIGTERM', 60_000);
    workers.delete('w1');
    await at(28);
    await start('w1');
    await at(WINDOW_S - 4);
    // Settled: every job owned once, and no worker reads every definition.
    const owned = await Promise.all(
      [...workers.values()].map((w) => gauge(w, 'cronplane_owned_jobs')),
    );
    const held = await Promise.all(
      [...workers.values()].map((w) => gauge(w, 'cronplane_held_partitions')),
    );
    await at(WINDOW_S + SETTLE_S);
    await harness.pauseJobs();
    await sleep(3000);
    const joined = workers.get('w3')!.logs();
    await Promise.all([...workers.values()].map((w) => w.stop('SIGTERM', 60_000)));
    workers.clear();

    const ledger = harness.readLedger();
    const ran = new Set(ledger.map((line) => `${line.job}@${line.tick}`));
    const notRun: string[] = [];
    for (const name of names)
      for (let tick = t0 + 1000; tick <= t0 + WINDOW_S * 1000; tick += 1000)
        if (!ran.has(`${name}@${tick}`)) notRun.push(`${name}@+${(tick - t0) / 1000}s`);
    process.stdout.write(
      `partition handover: ${JOBS * WINDOW_S} ticks, ${notRun.length} not run, ` +
        `${duplicates(ledger).length} duplicates; owned ${owned.join('/')}, held partitions ${held.join('/')}\n`,
    );
    expect(duplicates(ledger)).toEqual([]);
    expect(notRun).toEqual([]);
    expect(owned.reduce((a, b) => a + b, 0)).toBe(JOBS);
    expect(held.reduce((a, b) => a + b, 0)).toBe(256);
    for (const count of held) expect(count).toBeLessThan(256);
    // w3 listed its partitions only: fewer definitions than the cluster holds.
    const listed = joined.filter((line) => line.msg === 'partitions listed');
    expect(listed.length).toBeGreaterThan(0);
    for (const line of listed) expect(Number(line.jobs)).toBeLessThan(JOBS);
  }, 240_000);
});
