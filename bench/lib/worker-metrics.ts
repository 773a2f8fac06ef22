/**
 * Fire lateness and recorded-not-run counts read from the workers' own /metrics (the
 * `cronplane_fire_lateness_seconds` histogram: scheduled tick to the moment the spawner saw the
 * process start; `cronplane_runs_total` by status), scraped at both ends of a measured window.
 * The bench reads nothing from MongoDB while it measures: FerretDB v1 was seen to stop answering
 * for good when large finds met the workers' inserts.
 */
import { Summary } from './stats';

export interface WorkerCounters {
  /** Cumulative lateness bucket counts by upper bound in seconds (+Inf included). */
  buckets: Map<number, number>;
  /** Runs recorded without running (skipped or missed). */
  notRun: number;
  /** Run-log operations written to MongoDB. */
  written: number;
}

export async function scrapeWorkers(baseUrls: string[]): Promise<WorkerCounters> {
  const total: WorkerCounters = { buckets: new Map(), notRun: 0, written: 0 };
  for (const url of baseUrls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const one = parseCounters(text);
    for (const [le, n] of one.buckets) total.buckets.set(le, (total.buckets.get(le) ?? 0) + n);
    total.notRun += one.notRun;
    total.written += one.written;
  }
  return total;
}

export function parseCounters(text: string): WorkerCounters {
  const buckets = new Map<number, number>();
  let notRun = 0;
  let written = 0;
  for (const line of text.split('\n')) {
    // name{labels} value; the registry adds default labels (role, instance_id) to every series.
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const [, name, labels = '', value] = match;
    if (name === 'cronplane_fire_lateness_seconds_bucket') {
      const le = /(?:^|,)le="([^"]+)"/.exec(labels)?.[1];
      if (le === undefined) continue;
      const bound = le === '+Inf' ? Infinity : Number(le);
      buckets.set(bound, (buckets.get(bound) ?? 0) + Number(value));
    } else if (name === 'cronplane_runs_total' && /status="(skipped|missed)"/.test(labels)) {
      notRun += Number(value);
    } else if (name === 'cronplane_runlog_written_total') {
      written += Number(value);
    }
  }
  return { buckets, notRun, written };
}

export function diffCounters(after: WorkerCounters, before: WorkerCounters): WorkerCounters {
  const buckets = new Map<number, number>();
  for (const [le, n] of after.buckets) buckets.set(le, n - (before.buckets.get(le) ?? 0));
  return {
    buckets,
    notRun: after.notRun - before.notRun,
    written: after.written - before.written,
  };
}

/**
 * Lateness percentiles in ms from cumulative buckets, interpolated linearly inside the bucket
 * that holds the rank (as Prometheus' histogram_quantile does); `max` is the upper bound of the
 * highest non-empty bucket. `within(ms)` tells exactly whether a share of fires was at most a
 * bucket bound, e.g. whether p99 <= 10 ms.
 */
export function latenessFromBuckets(cumulative: Map<number, number>): Summary & {
  shareWithin(ms: number): number;
} {
  const bounds = [...cumulative.keys()].sort((a, b) => a - b);
  const count = cumulative.get(Infinity) ?? 0;
  const quantile = (q: number): number => {
    if (count === 0) return NaN;
    const rank = q * count;
    let lower = 0;
    let below = 0;
    for (const le of bounds) {
      const n = cumulative.get(le) ?? 0;
      if (n >= rank) {
        if (le === Infinity) return lower * 1000;
        return (lower + ((le - lower) * (rank - below)) / Math.max(1, n - below)) * 1000;
      }
      lower = le;
      below = n;
    }
    return NaN;
  };
  let max = NaN;
  let previous = 0;
  for (const le of bounds) {
    const n = cumulative.get(le) ?? 0;
    if (n > previous) max = le * 1000;
    previous = n;
  }
  return {
    count,
    p50: quantile(0.5),
    p99: quantile(0.99),
    max,
    shareWithin: (ms) => (count === 0 ? NaN : (cumulative.get(ms / 1000) ?? NaN) / count),
  };
}
