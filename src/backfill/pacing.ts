/**
 * How many triggers a backfill may write now: at most `concurrency` outstanding (triggered,
 * outcome unknown), and one per `1 / ratePerSecond` seconds since the last one. The first
 * trigger goes at once; a burst after a pause is bounded by the concurrency.
 */
export function allowance(pace: {
  now: number;
  lastQueuedAt?: number;
  ratePerSecond: number;
  concurrency: number;
  outstanding: number;
}): number {
  const free = Math.max(0, pace.concurrency - pace.outstanding);
  if (pace.lastQueuedAt === undefined) return Math.min(free, 1);
  const byRate = Math.floor((pace.now - pace.lastQueuedAt) / (1000 / pace.ratePerSecond));
  return Math.min(free, Math.max(0, byRate));
}

/** The `lastQueuedAt` after writing `count` triggers: credit is never saved up past one interval. */
export function afterQueued(
  now: number,
  lastQueuedAt: number | undefined,
  ratePerSecond: number,
  count: number,
): number | undefined {
  if (count === 0) return lastQueuedAt;
  if (lastQueuedAt === undefined) return now;
  const interval = 1000 / ratePerSecond;
  return Math.max(lastQueuedAt + count * interval, now - interval);
}
