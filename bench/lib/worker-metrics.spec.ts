import { latenessFromBuckets, parseCounters } from './worker-metrics';

const text = `
# HELP cronplane_fire_lateness_seconds Scheduled tick to process start
cronplane_fire_lateness_seconds_bucket{le="0.005",role="worker",instance_id="w1"} 50
cronplane_fire_lateness_seconds_bucket{le="0.01",role="worker",instance_id="w1"} 99
cronplane_fire_lateness_seconds_bucket{le="0.025",role="worker",instance_id="w1"} 100
cronplane_fire_lateness_seconds_bucket{le="+Inf",role="worker",instance_id="w1"} 100
cronplane_fire_lateness_seconds_sum{role="worker",instance_id="w1"} 0.6
cronplane_runs_total{job="a",status="succeeded",role="worker",instance_id="w1"} 7
cronplane_runs_total{job="a",status="skipped",role="worker",instance_id="w1"} 2
cronplane_runs_total{job="b",status="missed",role="worker",instance_id="w1"} 3
cronplane_runlog_written_total{role="worker",instance_id="w1"} 42
`;

describe('worker metrics', () => {
  it('reads the lateness histogram and the recorded-not-run counts', () => {
    const counters = parseCounters(text);
    expect(counters.notRun).toBe(5);
    expect(counters.written).toBe(42);
    const lateness = latenessFromBuckets(counters.buckets);
    expect(lateness.count).toBe(100);
    expect(lateness.p50).toBeCloseTo(5, 5);
    expect(lateness.p99).toBeCloseTo(10, 5);
    expect(lateness.max).toBeCloseTo(25, 5);
    expect(lateness.shareWithin(10)).toBe(0.99);
  });
});
