/**
 * Scenario (a): M jobs firing every second on N workers, command `true` (plus a ledger line
 * appended by the shell itself, to count runs, duplicates and misses). Lateness comes from the
 * workers' histogram (see worker-metrics.ts); also etcd requests and raft writes per fire, and
 * worker RSS. Nothing is read from MongoDB.
 */
import { join } from 'node:path';
import { BenchCluster, peakRssMB, rssMiB, sleep } from '../lib/cluster';
import { diff, etcdCounters } from '../lib/etcd-metrics';
import { duplicates, Summary } from '../lib/stats';
import { diffCounters, latenessFromBuckets, scrapeWorkers } from '../lib/worker-metrics';

export interface SteadyResult {
  jobs: number;
  workers: number;
  seconds: number;
  expectedFires: number;
  fires: number;
  firesPerSecond: number;
  duplicates: number;
  /** Expected ticks that did not run (from the ledger the commands write). */
  misses: number;
  /**
   * Ticks recorded `skipped` or `missed` with a reason during the window (the workers' counters;
   * a tick recorded just after the window's edge counts in the next one).
   */
  recordedNotRun: number;
  /** Misses nobody recorded: ticks that vanished silently (must be 0, also under overload). */
  unaccounted: number;
  lateness: Summary;
  etcdRequestsPerFire: number;
  raftWritesPerFire: number;
  workerRssMiB: number[];
  /** Each worker's highest RSS since it started (loading the jobs included), in MB. */
  workerPeakRssMB: number[];
  /** Run-log operations the workers wrote to MongoDB per second during the window. */
  runRecordsPerSecond: number;
}

export async function steady(
  cluster: BenchCluster,
  options: {
    jobs: number;
    workers: number;
    seconds: number;
    label: string;
    warmupSeconds?: number;
    /** Schedule of job i; every second by default. */
    cronFor?: (i: number) => string;
    /** Fires per job per second the schedule gives (1 for every second, 0.2 for every 5 s). */
    rate?: number;
  },
): Promise<SteadyResult> {
  const ledger = join(cluster.dir, `ledger-${options.label}`);
  const workers = await cluster.startWorkers(options.workers);
  const names = Array.from(
    { length: options.jobs },
    (_, i) => `${options.label}-${String(i).padStart(5, '0')}`,
  );
  await cluster.putJobs(
    names.map((name, i) => ({
      name,
      cronExpr: options.cronFor?.(i) ?? '* * * * * *',
      command: `true; echo "$CRON_JOB $CRON_TICK" >> ${ledger}`,
    })),
    // Like BullMQ, which never holds a run back because the previous one still runs.
    { misfirePolicy: 'skip', concurrencyPolicy: 'allow' },
  );
  await sleep((options.warmupSeconds ?? 5) * 1000);
  const urls = workers.map((w) => w.baseUrl);
  const from = Math.ceil(Date.now() / 1000) * 1000;
  await sleep(from - Date.now());
  const before = await etcdCounters(cluster.etcdUrls);
  const workersBefore = await scrapeWorkers(urls);
  await sleep(from + options.seconds * 1000 - Date.now());
  const to = from + options.seconds * 1000;
  const after = await etcdCounters(cluster.etcdUrls);
  const workersAfter = await scrapeWorkers(urls);
  const rss = workers.map((w) => rssMiB(w.child.pid));
  const peakRss = workers.map((w) => peakRssMB(w.child.pid));
  await cluster.deleteJobs();
  await sleep(3000);
  await cluster.stopProcesses();
  const lines = cluster.ledger(ledger).filter((line) => {
    const tick = Number(line.split(' ')[1]);
    return tick >= from && tick < to;
  });
  const window = diffCounters(workersAfter, workersBefore);
  const expected = Math.round(options.jobs * options.seconds * (options.rate ?? 1));
  const distinct = new Set(lines.map((l) => l.trim()));
  const misses = Math.max(0, expected - distinct.size);
  const counters = diff(after, before);
  return {
    jobs: options.jobs,
    workers: options.workers,
    seconds: options.seconds,
    expectedFires: expected,
    fires: lines.length,
    firesPerSecond: lines.length / options.seconds,
    duplicates: duplicates(lines).length,
    misses,
    recordedNotRun: window.notRun,
    unaccounted: Math.max(0, misses - window.notRun),
    lateness: latenessFromBuckets(window.buckets),
    etcdRequestsPerFire: counters.requests / Math.max(1, lines.length),
    raftWritesPerFire: counters.proposals / Math.max(1, lines.length),
    workerRssMiB: rss,
    workerPeakRssMB: peakRss,
    runRecordsPerSecond: window.written / options.seconds,
  };
}
