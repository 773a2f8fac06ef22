/**
 * Bursts: N jobs due in the same second. The figure of merit is the time from the tick until
 * the last of the N processes has started, against the machine's raw spawn time for N.
 */
import { BenchCluster, sleep } from '../lib/cluster';
import { rawSpawnBurstMs } from '../lib/reference';

export interface BurstResult {
  n: number;
  bursts: number;
  /** Per burst: tick to the start of its last process, ms. */
  lastStartMs: number[];
  rawSpawnMs: number;
  /** Target: last start within 1.15 x raw spawn time + 20 ms. */
  targetMs: number;
  worstMs: number;
  missing: number;
  pass: boolean;
}

export async function burst(
  cluster: BenchCluster,
  options: { n: number; workers: number; bursts: number },
): Promise<BurstResult> {
  await cluster.startWorkers(options.workers);
  const label = `burst${options.n}`;
  // Every 5 s, so each burst finishes before the next one starts.
  await cluster.putJobs(
    Array.from({ length: options.n }, (_, i) => ({
      name: `${label}-${i}`,
      cronExpr: '*/5 * * * * *',
      command: 'true',
    })),
    { misfirePolicy: 'skip' },
  );
  await sleep(6000);
  const from = Math.ceil(Date.now() / 5000) * 5000;
  await sleep(from - Date.now() + options.bursts * 5000);
  await cluster.deleteJobs();
  await sleep(2000);
  // Workers stop (flushing their run logs) before MongoDB is read; see steady.ts.
  await cluster.stopProcesses();
  const raw = await rawSpawnBurstMs(options.n);
  const runs = (
    await cluster.runs({
      tick: { $gte: new Date(from), $lt: new Date(from + options.bursts * 5000) },
    })
  ).filter((r) => r.job.startsWith(`${label}-`));
  const byTick = new Map<number, number[]>();
  for (const run of runs) {
    if (!run.startedAt) continue;
    const tick = run.tick.getTime();
    byTick.set(tick, [...(byTick.get(tick) ?? []), run.startedAt.getTime() - tick]);
  }
  const lastStartMs = [...byTick.values()].map((starts) => Math.max(...starts));
  const targetMs = 1.15 * raw + 20;
  const worstMs = Math.max(...lastStartMs);
  const missing = options.n * options.bursts - runs.filter((r) => r.startedAt).length;
  return {
    n: options.n,
    bursts: options.bursts,
    lastStartMs,
    rawSpawnMs: raw,
    targetMs,
    worstMs,
    missing,
    pass: worstMs <= targetMs && missing === 0,
  };
}
