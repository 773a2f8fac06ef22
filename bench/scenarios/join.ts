/**
 * Join: one worker started into a cluster that already holds `jobs` jobs (due once a year) and
 * one job due every second. Measured: the time from the worker's start until that job's first
 * run, and the worker's memory once it holds the table. Every worker holds every job today; the
 * scale issue's target is memory that follows the jobs a worker owns (docs/partitions.md).
 */
import { join } from 'node:path';
import { seedJobs } from '../../test/scale/seed';
import { BenchCluster, peakRssMB, rssMiB, sleep } from '../lib/cluster';

export interface JoinResult {
  jobs: number;
  seedMs: number;
  /** Worker start (the process spawned) to the first line of the every-second job. */
  firstFireMs: number;
  rssMiB: number;
  peakRssMB: number;
}

const GIVE_UP_MS = 60_000;

export async function joinCluster(
  cluster: BenchCluster,
  options: { jobs: number },
): Promise<JoinResult> {
  const seeding = Date.now();
  await seedJobs(cluster.etcd, cluster.prefix, options.jobs);
  const seedMs = Date.now() - seeding;
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
  const result = {
    jobs: options.jobs,
    seedMs,
    firstFireMs,
    rssMiB: rssMiB(worker.child.pid),
    peakRssMB: peakRssMB(worker.child.pid),
  };
  await cluster.deleteJobs();
  await cluster.stopProcesses();
  return result;
}
