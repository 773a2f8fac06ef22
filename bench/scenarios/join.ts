/**
 * Join: one worker started into a cluster that already holds `jobs` jobs (due once a year) and
 * one job due every second. Measured: the time from the worker's start until that job's first
 * run, and its memory while it holds every partition. Then that worker stops and `workers` start
 * together into the same jobs: each one's peak and settled memory, which follow the partitions it
 * holds (docs/coordination.md, "Partitions").
 */
import { join } from 'node:path';
import { seedJobs } from '../../test/scale/seed';
import { BenchCluster, peakRssMB, rssMiB, sleep } from '../lib/cluster';

export interface JoinResult {
  jobs: number;
  seedMs: number;
  /** etcd's database size in use, before and after the jobs were written, in bytes. */
  etcdBytes: { before: number; after: number };
  /** Worker start (the process spawned) to the first line of the every-second job. */
  firstFireMs: number;
  rssMiB: number;
  peakRssMB: number;
  /** The cluster of `workers` started together: per worker. */
  cluster: { workers: number; rssMiB: number[]; peakRssMB: number[] };
}

const GIVE_UP_MS = 60_000;

export async function joinCluster(
  cluster: BenchCluster,
  options: { jobs: number; workers: number },
): Promise<JoinResult> {
  const before = await dbSizeInUse(cluster);
  const seeding = Date.now();
  await seedJobs(cluster.etcd, cluster.prefix, options.jobs);
  const seedMs = Date.now() - seeding;
  const etcdBytes = { before, after: await dbSizeInUse(cluster) };
  const ledger = join(cluster.dir, 'ledger-join');
  await cluster.putJobs([
    {
      name: 'join-every-second',
      cronExpr: '* * * * * *',
      command: `echo "$CRON_JOB $CRON_TICK" >> ${ledger}`,
    },
  ]);
  const startedAt = Date.now();
  const [worker] = await cluster.startWorkers(1);
  let firstFireMs = Infinity;
  while (Date.now() - startedAt < GIVE_UP_MS) {
    if (cluster.ledger(ledger).length > 0) {
      firstFireMs = Date.now() - startedAt;
      break;
    }
    await sleep(50);
  }
  // Memory once the table is in and the worker has settled.
  await sleep(5000);
  const alone = { rssMiB: rssMiB(worker.child.pid), peakRssMB: peakRssMB(worker.child.pid) };
  await worker.stop('SIGTERM');
  const workers = await cluster.startWorkers(options.workers);
  const fires = cluster.ledger(ledger).length;
  const until = Date.now() + GIVE_UP_MS;
  while (cluster.ledger(ledger).length < fires + 3 && Date.now() < until) await sleep(100);
  await sleep(10_000);
  const result = {
    jobs: options.jobs,
    seedMs,
    etcdBytes,
    firstFireMs,
    ...alone,
    cluster: {
      workers: options.workers,
      rssMiB: workers.map((w) => rssMiB(w.child.pid)),
      peakRssMB: workers.map((w) => peakRssMB(w.child.pid)),
    },
  };
  await cluster.deleteJobs();
  await cluster.stopProcesses();
  return result;
}

async function dbSizeInUse(cluster: BenchCluster): Promise<number> {
  const status = await cluster.etcd.maintenance.status();
  return Number(status.dbSizeInUse ?? status.dbSize);
}
