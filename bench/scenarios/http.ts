/**
 * HTTP jobs calling a local sink (bench/lib/http-sink.ts), which is the ledger: fires, misses
 * and duplicates are what arrived for the window's ticks, lateness is arrival minus tick. Three
 * uses: `http` (N jobs every second), `http-ceiling` (raise N until a step misses a tick, fires a
 * duplicate or has p99 of 1 s or more) and `scale` (100,000 jobs `H * * * * *` seeded before the
 * workers start, one minute measured so each job is due exactly once).
 */
import { seedJobs } from '../../test/scale/seed';
import { BenchCluster, peakRssMB, rssMiB, sleep } from '../lib/cluster';
import { diff, etcdCounters } from '../lib/etcd-metrics';
import { HttpSink } from '../lib/http-sink';
import { Summary } from '../lib/stats';
import { diffCounters, scrapeWorkers } from '../lib/worker-metrics';
import { JobSpec } from '../../src/jobs/job.model';

export interface HttpOptions {
  jobs: number;
  workers: number;
  seconds: number;
  /** Every second by default. */
  cronExpr?: string;
  /** Fires per job per second the schedule gives (1 by default; 1/60 for `H * * * * *`). */
  rate?: number;
  warmupSeconds?: number;
  /** Write the jobs before the workers start (as a restart into a large cluster does). */
  seedFirst?: boolean;
}

export interface HttpResult {
  jobs: number;
  workers: number;
  seconds: number;
  expectedFires: number;
  requests: number;
  firesPerSecond: number;
  /** Expected (job, tick) pairs that never arrived. */
  misses: number;
  duplicates: number;
  /** Ticks the workers recorded skipped or missed during the window. */
  recordedNotRun: number;
  /** Tick to arrival at the sink. */
  lateness: Summary;
  etcdRequestsPerFire: number;
  raftWritesPerFire: number;
  workerRssMiB: number[];
  workerPeakRssMB: number[];
}

export async function httpJobs(
  cluster: BenchCluster,
  sink: HttpSink,
  options: HttpOptions,
): Promise<HttpResult> {
  sink.reset();
  const shape: Partial<JobSpec> = {
    cronExpr: options.cronExpr ?? '* * * * * *',
    command: '',
    executor: { type: 'http', method: 'POST', url: sink.url, body: 'tick' },
    concurrencyPolicy: 'allow',
    misfirePolicy: 'skip',
  };
  if (options.seedFirst) await seedJobs(cluster.etcd, cluster.prefix, options.jobs, shape);
  const workers = await cluster.startWorkers(options.workers);
  if (!options.seedFirst) await seedJobs(cluster.etcd, cluster.prefix, options.jobs, shape);
  await sleep((options.warmupSeconds ?? 5) * 1000);
  const urls = workers.map((w) => w.baseUrl);
  const from = Math.ceil(Date.now() / 1000) * 1000;
  await sleep(from - Date.now());
  const etcdBefore = await etcdCounters(cluster.etcdUrls);
  const workersBefore = await scrapeWorkers(urls);
  const to = from + options.seconds * 1000;
  await sleep(to - Date.now());
  const etcdAfter = await etcdCounters(cluster.etcdUrls);
  const workersAfter = await scrapeWorkers(urls);
  const rss = workers.map((w) => rssMiB(w.child.pid));
  const peakRss = workers.map((w) => peakRssMB(w.child.pid));
  await sleep(3000); // the window's last requests arrive
  await cluster.deleteJobs();
  await cluster.stopProcesses();
  const seen = sink.window(from, to);
  const expected = Math.round(options.jobs * options.seconds * (options.rate ?? 1));
  const counters = diff(etcdAfter, etcdBefore);
  return {
    jobs: options.jobs,
    workers: options.workers,
    seconds: options.seconds,
    expectedFires: expected,
    requests: seen.requests,
    firesPerSecond: seen.distinct / options.seconds,
    misses: Math.max(0, expected - seen.distinct),
    duplicates: seen.duplicates,
    recordedNotRun: diffCounters(workersAfter, workersBefore).notRun,
    lateness: seen.lateness,
    etcdRequestsPerFire: counters.requests / Math.max(1, seen.distinct),
    raftWritesPerFire: counters.proposals / Math.max(1, seen.distinct),
    workerRssMiB: rss,
    workerPeakRssMB: peakRss,
  };
}

export function httpStepPasses(step: HttpResult): boolean {
  return step.misses === 0 && step.duplicates === 0 && step.lateness.p99 < 1000;
}

/** The highest step of every-second HTTP jobs that passes; the ceiling is its fires/s. */
export async function httpCeiling(
  cluster: BenchCluster,
  sink: HttpSink,
  options: { workers: number; steps: number[]; seconds: number },
): Promise<{ steps: HttpResult[]; ceilingFiresPerSecond: number }> {
  const steps: HttpResult[] = [];
  let ceiling = 0;
  for (const jobs of options.steps) {
    const step = await httpJobs(cluster, sink, {
      jobs,
      workers: options.workers,
      seconds: options.seconds,
    });
    steps.push(step);
    process.stderr.write(
      `bench: http ${jobs} jobs/s: p99 ${step.lateness.p99} ms, misses ${step.misses}, duplicates ${step.duplicates}\n`,
    );
    if (!httpStepPasses(step)) break;
    ceiling = step.firesPerSecond;
  }
  return { steps, ceilingFiresPerSecond: ceiling };
}
