/**
 * Exponential backoff with full jitter in the upper half: attempt 1 waits about `baseMs`,
 * attempt n about `baseMs * factor^(n-1)`, capped at `maxMs`. `random` is injectable for tests.
 */
export function backoffDelay(
  attempt: number,
  options: { baseMs: number; factor: number; maxMs: number },
  random: () => number = Math.random,
): number {
  const exponential = options.baseMs * Math.pow(options.factor, Math.max(0, attempt - 1));
  const capped = Math.min(options.maxMs, exponential);
  return Math.round(capped / 2 + (random() * capped) / 2);
}
