/**
 * HTTP jobs: N jobs firing every second as HTTP requests to a local sink (node:http). The sink
 * keeps (job, tick) from the X-Cronplane-* headers and the arrival time: fires/s is what arrived,
 * lateness is arrival minus tick, duplicates must be 0.
 */
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { BenchCluster, sleep } from '../lib/cluster';
import { percentile } from '../lib/stats';

export interface HttpResult {
  jobs: number;
  seconds: number;
  requests: number;
  firesPerSecond: number;
  duplicates: number;
  latenessP50Ms: number;
  latenessP99Ms: number;
}

export async function httpJobs(
  cluster: BenchCluster,
  options: { jobs: number; workers: number; seconds: number },
): Promise<HttpResult> {
  const seen = new Map<string, number>();
  const lateness: number[] = [];
  const sink = createServer((req, res) => {
    const key = `${String(req.headers['x-cronplane-job'])} ${String(req.headers['x-cronplane-tick'])}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    lateness.push(Date.now() - Number(req.headers['x-cronplane-tick']));
    res.end('ok');
  });
  sink.keepAliveTimeout = 30000;
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/tick`;
  await cluster.startWorkers(options.workers);
  await cluster.putJobs(
    Array.from({ length: options.jobs }, (_, i) => ({
      name: `http-${i}`,
      cronExpr: '* * * * * *',
      command: '',
    })),
    { executor: { type: 'http', method: 'POST', url, body: 'tick' }, concurrencyPolicy: 'allow' },
  );
  await sleep(3000); // warm-up: the workers pick the jobs up
  const from = lateness.length;
  const before = [...seen.values()].reduce((a, b) => a + b, 0);
  await sleep(options.seconds * 1000);
  const requests = [...seen.values()].reduce((a, b) => a + b, 0) - before;
  const window = lateness.slice(from, from + requests);
  await cluster.deleteJobs();
  await cluster.stopProcesses();
  sink.closeAllConnections();
  await new Promise<void>((resolve) => sink.close(() => resolve()));
  return {
    jobs: options.jobs,
    seconds: options.seconds,
    requests,
    firesPerSecond: requests / options.seconds,
    duplicates: [...seen.values()].filter((count) => count > 1).length,
    latenessP50Ms: percentile(window, 50),
    latenessP99Ms: percentile(window, 99),
  };
}
