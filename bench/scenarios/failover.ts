/**
 * Scenario (d): SIGKILL one of two workers and time until each of its jobs fires on the other.
 */
import { join } from 'node:path';
import { BenchCluster, sleep } from '../lib/cluster';

export interface FailoverResult {
  jobs: number;
  sessionTtlSeconds: number;
  jobsOfKilledWorker: number;
  /** Kill to the first tick of each orphaned job that ran on the survivor: max and median, ms. */
  maxMs: number;
  medianMs: number;
}

export async function failover(
  cluster: BenchCluster,
  options: { jobs: number; ttlSeconds: number },
): Promise<FailoverResult> {
  const workers = await cluster.startWorkers(2, {
    SESSION_TTL_SECONDS: String(options.ttlSeconds),
  });
  const ledger = join(cluster.dir, 'ledger-failover');
  await cluster.putJobs(
    Array.from({ length: options.jobs }, (_, i) => ({
      name: `failover-${i}`,
      cronExpr: '* * * * * *',
      command: `echo "$CRON_JOB $CRON_TICK" >> ${ledger}`,
    })),
    { misfirePolicy: 'skip' },
  );
  await sleep(5000);
  const victimId = 'bench-worker-0';
  // The victim's jobs: those whose high-water mark it wrote last (etcd, not the run records).
  const marks = await cluster.etcd.getAll().prefix(`${cluster.prefix}state/`).strings();
  const orphans = new Set(
    Object.entries(marks)
      // Marks of earlier scenarios' jobs stay in etcd (the bench deletes jobs directly).
      .filter(([key]) => key.includes('/state/failover-'))
      .filter(([, value]) => (JSON.parse(value) as { workerId?: string }).workerId === victimId)
      .map(([key]) => key.slice(key.lastIndexOf('/') + 1)),
  );
  const killedAt = Date.now();
  await workers[0].stop('SIGKILL');
  await sleep(options.ttlSeconds * 1000 * 2 + 3000);
  await cluster.deleteJobs();
  // The first tick after the kill that ran (the survivor's), per orphaned job.
  const firstTick = new Map<string, number>();
  for (const line of cluster.ledger(ledger)) {
    const [job, tickText] = line.split(' ');
    const tick = Number(tickText);
    if (!orphans.has(job) || tick <= killedAt) continue;
    firstTick.set(job, Math.min(firstTick.get(job) ?? Infinity, tick));
  }
  const delays = [...orphans]
    .map((job) => (firstTick.get(job) ?? Infinity) - killedAt)
    .sort((a, b) => a - b);
  await cluster.stopProcesses();
  return {
    jobs: options.jobs,
    sessionTtlSeconds: options.ttlSeconds,
    jobsOfKilledWorker: orphans.size,
    maxMs: delays.length ? delays[delays.length - 1] : NaN,
    medianMs: delays.length ? delays[Math.floor(delays.length / 2)] : NaN,
  };
}
