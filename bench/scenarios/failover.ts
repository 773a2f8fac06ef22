/**
 * Scenario (d): SIGKILL one of two workers and time until each of its jobs fires on the other.
 */
import { BenchCluster, sleep } from '../lib/cluster';

export interface FailoverResult {
  jobs: number;
  sessionTtlSeconds: number;
  jobsOfKilledWorker: number;
  /** Kill to the first tick of each orphaned job fired by the survivor: max and median, ms. */
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
  await cluster.putJobs(
    Array.from({ length: options.jobs }, (_, i) => ({
      name: `failover-${i}`,
      cronExpr: '* * * * * *',
      command: 'true',
    })),
    { misfirePolicy: 'skip' },
  );
  await sleep(5000);
  const victim = workers[0];
  const victimId = 'bench-worker-0';
  const before = await cluster.runs({
    workerId: victimId,
    tick: { $gte: new Date(Date.now() - 3000) },
  });
  const orphans = new Set(before.map((r) => r.job));
  const killedAt = Date.now();
  await victim.stop('SIGKILL');
  await sleep(options.ttlSeconds * 1000 * 3 + 3000);
  const after = await cluster.runs({ tick: { $gt: new Date(killedAt) } });
  const firstFire = new Map<string, number>();
  for (const run of after) {
    if (!orphans.has(run.job) || run.workerId === victimId || !run.startedAt) continue;
    const at = run.startedAt.getTime();
    firstFire.set(run.job, Math.min(firstFire.get(run.job) ?? Infinity, at));
  }
  const delays = [...orphans]
    .map((job) => (firstFire.get(job) ?? Infinity) - killedAt)
    .sort((a, b) => a - b);
  await cluster.deleteJobs();
  await cluster.stopProcesses();
  return {
    jobs: options.jobs,
    sessionTtlSeconds: options.ttlSeconds,
    jobsOfKilledWorker: orphans.size,
    maxMs: delays.length ? delays[delays.length - 1] : NaN,
    medianMs: delays.length ? delays[Math.floor(delays.length / 2)] : NaN,
  };
}
