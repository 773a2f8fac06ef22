import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { AppProcess } from '../support/app-process';
import { isolationId, testStack } from '../support/env';
import { percentile, sleep, WorkerHarness } from '../worker/worker-harness';

const SECONDS = Number(process.env.HTTP_FIRES_SECONDS ?? 20);
const JOBS = 200;

/**
 * 200 HTTP jobs firing every second (200 fires/s) at a local sink for ~20 s on 2 workers. The
 * sink's ledger of (job, tick), from the X-Cronplane-Job and X-Cronplane-Tick headers, must hold
 * every tick at most once, and every tick between a job's first and last must be in it or have a
 * run record saying why not (no silent miss). Counts, not times.
 */
describe('HTTP jobs at 200 fires/s: exactly once, judged by the sink', () => {
  const stack = testStack();
  const harness = new WorkerHarness(isolationId('httpfires'), stack.mongoUrl, stack.etcdEndpoints);
  let workers: AppProcess[] = [];
  let sink: Server;
  const ledger = new Map<string, number>();

  beforeAll(async () => {
    sink = createServer((req, res) => {
      const key = `${String(req.headers['x-cronplane-job'])} ${String(req.headers['x-cronplane-tick'])}`;
      ledger.set(key, (ledger.get(key) ?? 0) + 1);
      res.end('ok');
    });
    sink.keepAliveTimeout = 30000;
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    sink.closeAllConnections();
    await new Promise<void>((resolve) => sink.close(() => resolve()));
    await harness.close();
  });

  it(
    `fires ${JOBS} HTTP jobs every second for ${SECONDS} s with 0 duplicates and 0 silent misses`,
    async () => {
      const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/tick`;
      workers = await Promise.all(
        ['w1', 'w2'].map((id) => harness.startWorker(id, { SESSION_TTL_SECONDS: '3' })),
      );
      for (let i = 0; i < JOBS; i++) {
        await harness.putJob(
          harness.job(`hj-${i}`, {
            cronExpr: '* * * * * *',
            command: '',
            executor: { type: 'http', method: 'POST', url, body: 'tick' },
            misfirePolicy: 'runAll',
            concurrencyPolicy: 'allow',
          }),
        );
      }
      await sleep(SECONDS * 1000);
      await harness.pauseJobs();
      await sleep(1500);
      const exits = await Promise.all(workers.map((w) => w.stop('SIGTERM')));
      expect(exits.every((e) => e.code === 0)).toBe(true);

      const runs = await harness.runs();
      const recorded = new Map(runs.map((r) => [`${r.job} ${r.tick.getTime()}`, r.status]));
      const duplicates = [...ledger].filter(([, count]) => count > 1).map(([key]) => key);
      expect(duplicates).toEqual([]);
      const byJob = new Map<string, number[]>();
      for (const key of ledger.keys()) {
        const [job, tick] = key.split(' ');
        byJob.set(job, [...(byJob.get(job) ?? []), Number(tick)]);
      }
      expect(byJob.size).toBe(JOBS);
      const silent: string[] = [];
      let gaps = 0;
      for (const [job, ticks] of byJob) {
        ticks.sort((a, b) => a - b);
        for (let t = ticks[0]; t <= ticks[ticks.length - 1]; t += 1000) {
          if (ledger.has(`${job} ${t}`)) continue;
          gaps += 1;
          if (!recorded.has(`${job} ${t}`)) silent.push(`${job} ${t}`);
        }
      }
      expect(silent).toEqual([]);
      // Every request the sink got has its run record, succeeded.
      const unrecorded = [...ledger.keys()].filter((key) => recorded.get(key) !== 'succeeded');
      expect(unrecorded).toEqual([]);
      const perWorker = new Map<string, number>();
      for (const r of runs)
        perWorker.set(r.workerId ?? '?', (perWorker.get(r.workerId ?? '?') ?? 0) + 1);
      expect(perWorker.size).toBe(2);
      const lateness = runs.filter((r) => r.status === 'succeeded').map((r) => r.latenessMs ?? 0);
      process.stdout.write(
        `http-fires: ${ledger.size} requests of ${JOBS} jobs in ${SECONDS} s (${(ledger.size / SECONDS).toFixed(0)}/s), ` +
          `0 duplicates, ${gaps} recorded gaps, 0 silent misses; per worker ${JSON.stringify(Object.fromEntries(perWorker))}; ` +
          `lateness p50 ${percentile(lateness, 50)} ms, p99 ${percentile(lateness, 99)} ms\n`,
      );
    },
    (SECONDS + 120) * 1000,
  );
});
