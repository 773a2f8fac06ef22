/** The table rows of each kind of result, with their targets. */
import { Row } from './report';
import { SteadyResult } from '../scenarios/steady';
import { HttpResult } from '../scenarios/http';

type Targets = { p99Ms?: number; peakRssMB?: number };

/** A row with an upper bound when one is given (`shown`: the value as printed). */
function atMost(
  scenario: string,
  metric: string,
  value: number,
  most: number | undefined,
  shown: number | string = value,
): Row {
  if (most === undefined) return { scenario, metric, value: shown };
  return { scenario, metric, value: shown, target: `<= ${most}`, pass: value <= most };
}

/** A count that must be 0. */
function none(scenario: string, metric: string, value: number): Row {
  return { scenario, metric, value, target: '0', pass: value === 0 };
}

export function steadyRows(name: string, r: SteadyResult, targets: Targets = {}): Row[] {
  return [
    { scenario: name, metric: 'fires/s', value: r.firesPerSecond },
    { scenario: name, metric: 'lateness p50 ms', value: r.lateness.p50 },
    atMost(name, 'lateness p99 ms', r.lateness.p99, targets.p99Ms),
    { scenario: name, metric: 'lateness max ms', value: r.lateness.max },
    none(name, 'duplicates', r.duplicates),
    none(name, 'misses', r.misses),
    { scenario: name, metric: 'misses recorded skipped/missed', value: r.recordedNotRun },
    none(name, 'ticks vanished silently', r.unaccounted),
    { scenario: name, metric: 'etcd requests/fire', value: r.etcdRequestsPerFire },
    { scenario: name, metric: 'raft writes/fire', value: r.raftWritesPerFire },
    {
      scenario: name,
      metric: 'worker RSS MiB (max, at the end)',
      value: Math.max(...r.workerRssMiB),
    },
    atMost(name, 'worker peak RSS MB (VmHWM)', Math.max(...r.workerPeakRssMB), targets.peakRssMB),
    { scenario: name, metric: 'run records/s into MongoDB', value: r.runRecordsPerSecond },
  ];
}

/** A run of HTTP jobs: what arrived at the sink, and the workers' cost. */
export function httpRows(name: string, r: HttpResult, targets: Targets = {}): Row[] {
  return [
    { scenario: name, metric: 'fires/s (distinct arrivals)', value: r.firesPerSecond },
    { scenario: name, metric: 'lateness p50 ms (tick to arrival)', value: r.lateness.p50 },
    atMost(name, 'lateness p99 ms (tick to arrival)', r.lateness.p99, targets.p99Ms),
    { scenario: name, metric: 'lateness max ms', value: r.lateness.max },
    none(name, 'misses', r.misses),
    none(name, 'duplicates', r.duplicates),
    { scenario: name, metric: 'misses recorded skipped/missed', value: r.recordedNotRun },
    { scenario: name, metric: 'etcd requests/fire', value: r.etcdRequestsPerFire },
    { scenario: name, metric: 'raft writes/fire', value: r.raftWritesPerFire },
    atMost(
      name,
      'worker peak RSS MB (VmHWM), each',
      Math.max(...r.workerPeakRssMB),
      targets.peakRssMB,
      r.workerPeakRssMB.map((v) => v.toFixed(0)).join(', '),
    ),
  ];
}
