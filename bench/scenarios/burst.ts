/**
 * Bursts: N jobs due in the same second. The figure of merit is the time from the tick until
 * the last of the N processes has started, against the machine's raw spawn time for N.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
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
  const targetMs = 1.15 * raw + 20;
  const worstMs = Math.max(...lastStartMs);
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
