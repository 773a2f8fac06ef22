/** Nearest-rank percentile of `values` (need not be sorted); NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export interface Summary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length ? values.reduce((a, b) => Math.max(a, b), -Infinity) : NaN,
  };
}

/** (job, tick) pairs seen more than once in a ledger of `job tick` lines. */
export function duplicates(lines: readonly string[]): string[] {
  const seen = new Map<string, number>();
  for (const line of lines) {
    const key = line.trim();
    if (key) seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([key]) => key);
}
