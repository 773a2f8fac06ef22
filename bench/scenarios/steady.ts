/**
 * Scenario (a): M jobs firing every second on N workers, command `true` (plus a ledger line
 * appended by the shell itself, to count duplicates). Measures lateness, fires per second,
 * duplicates, misses, etcd requests and raft writes per fire, worker RSS.
 */
import { join } from 'node:path';
import { BenchCluster, rssMiB, sleep } from '../lib/cluster';
import { diff, etcdCounters } from '../lib/etcd-metrics';
import { duplicates, summarize, Summary } from '../lib/stats';

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
  /** Of the misses, those recorded `skipped` or `missed` with a reason in MongoDB. */
  recordedNotRun: number;
  /** Misses nobody recorded: ticks that vanished silently (must be 0, also under overload). */
  unaccounted: number;
  lateness: Summary;
  etcdRequestsPerFire: number;
  raftWritesPerFire: number;
  workerRssMiB: number[];
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
    { misfirePolicy: 'skip' },
  );
  await sleep((options.warmupSeconds ?? 5) * 1000);
  const from = Math.ceil(Date.now() / 1000) * 1000;
  const before = await etcdCounters(cluster.etcdUrl);
  await sleep(options.seconds * 1000 + (from - Date.now()));
  const to = from + options.seconds * 1000;
  const after = await etcdCounters(cluster.etcdUrl);
  const rss = workers.map((w) => rssMiB(w.child.pid));
  await cluster.deleteJobs();
  await sleep(3000);
  // Workers stop (and flush their run logs) before MongoDB is read: FerretDB v1 was seen to stop
  // answering for good when a large find met the workers' concurrent inserts.
  await cluster.stopProcesses();
  const lines = cluster.ledger(ledger).filter((line) => {
    const tick = Number(line.split(' ')[1]);
    return tick >= from && tick < to;
  });
  const runs = (await cluster.runs({ tick: { $gte: new Date(from), $lt: new Date(to) } })).filter(
    (r) => r.job.startsWith(options.label),
  );
  const ran = runs.filter((r) => r.status !== 'skipped' && r.status !== 'missed');
  const expected = Math.round(options.jobs * options.seconds * (options.rate ?? 1));
  const distinct = new Set(lines.map((l) => l.trim()));
  const notRun = new Set(
    runs
      .filter((r) => r.status === 'skipped' || r.status === 'missed')
      .map((r) => `${r.job} ${r.tick.getTime()}`)
      .filter((key) => !distinct.has(key)),
  );
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
    recordedNotRun: notRun.size,
    unaccounted: Math.max(0, misses - notRun.size),
    lateness: summarize(ran.map((r) => r.latenessMs ?? NaN).filter((n) => Number.isFinite(n))),
    etcdRequestsPerFire: counters.requests / Math.max(1, lines.length),
    raftWritesPerFire: counters.proposals / Math.max(1, lines.length),
    workerRssMiB: rss,
  };
}
