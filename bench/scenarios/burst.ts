/**
 * Bursts: N jobs due in the same second. The figure of merit is the time from the tick until
 * the last of the N processes has started, as a ratio to the physical limit: C's posix_spawn of
 * N `sh -c true` at the workers' concurrency, measured in the same run (Node's own spawn time for
 * N is reported beside it).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_MAX_CONCURRENT, BenchCluster, sleep } from '../lib/cluster';
import { cSpawnLimit, rawSpawnBurstMs } from '../lib/reference';

export interface BurstResult {
  n: number;
  bursts: number;
  /** Per burst: tick to the start of its last process, ms. */
  lastStartMs: number[];
  /** Node's child_process.spawn of N. */
  rawSpawnMs: number;
  /** C posix_spawn of N: the physical limit. */
  cSpawnMs: number;
  /** Target: last start within 1.15 x the C limit. */
  targetMs: number;
  worstMs: number;
  /** worstMs / cSpawnMs. */
  ratio: number;
  missing: number;
  pass: boolean;
}

export async function burst(
  cluster: BenchCluster,
  options: { n: number; workers: number; bursts: number },
): Promise<BurstResult> {
  await cluster.startWorkers(options.workers);
  const label = `burst${options.n}`;
  const ledger = join(cluster.dir, `ledger-${label}`);
  // Every 5 s, so each burst finishes before the next one starts.
  await cluster.putJobs(
    Array.from({ length: options.n }, (_, i) => ({
      name: `${label}-${i}`,
      cronExpr: '*/5 * * * * *',
      command: `echo "$CRON_JOB $CRON_TICK" >> ${ledger}`,
    })),
    { misfirePolicy: 'skip' },
  );
  await sleep(6000);
  const from = Math.ceil(Date.now() / 5000) * 5000;
  const lastStartMs: number[] = [];
  let missing = 0;
  for (let b = 0; b < options.bursts; b++) {
    const tick = from + b * 5000;
    await sleep(tick + 4500 - Date.now());
    // Each command's first act is its ledger line, so the file's last modification is the
    // moment the burst's last process ran (the inode clock's resolution is a few ms).
    const ran = new Set(cluster.ledger(ledger).filter((line) => line.endsWith(` ${tick}`)));
    missing += options.n - ran.size;
    lastStartMs.push(statSync(ledger).mtimeMs - tick);
  }
  await cluster.deleteJobs();
  await cluster.stopProcesses();
  const raw = await rawSpawnBurstMs(options.n);
  const limit = await cSpawnLimit(options.n, BENCH_MAX_CONCURRENT);
  const targetMs = 1.15 * limit.lastStartMs;
  const worstMs = Math.max(...lastStartMs);
  return {
    n: options.n,
    bursts: options.bursts,
    lastStartMs,
    rawSpawnMs: raw,
    cSpawnMs: limit.lastStartMs,
    targetMs,
    worstMs,
    ratio: worstMs / limit.lastStartMs,
    missing,
    pass: worstMs <= targetMs && missing === 0,
  };
}
