/** The table rows of each kind of result, with their targets. */
import { Row } from './report';
import { SteadyResult } from '../scenarios/steady';
import { HttpResult } from '../scenarios/http';

export function steadyRows(
  name: string,
  r: SteadyResult,
  targets: { p99Ms?: number; peakRssMB?: number } = {},
): Row[] {
  const p99TargetMs = targets.p99Ms;
  const peak = Math.max(...r.workerPeakRssMB);
  return [
    { scenario: name, metric: 'fires/s', value: r.firesPerSecond },
    { scenario: name, metric: 'lateness p50 ms', value: r.lateness.p50 },
    {
      scenario: name,
      metric: 'lateness p99 ms',
      value: r.lateness.p99,
      target: p99TargetMs === undefined ? undefined : `<= ${p99TargetMs}`,
      pass: p99TargetMs === undefined ? undefined : r.lateness.p99 <= p99TargetMs,
    },
    { scenario: name, metric: 'lateness max ms', value: r.lateness.max },
    {
      scenario: name,
      metric: 'duplicates',
      value: r.duplicates,
      target: '0',
      pass: r.duplicates === 0,
    },
    { scenario: name, metric: 'misses', value: r.misses, target: '0', pass: r.misses === 0 },
    {
      scenario: name,
      metric: 'misses recorded skipped/missed',
      value: r.recordedNotRun,
    },
    {
      scenario: name,
      metric: 'ticks vanished silently',
      value: r.unaccounted,
      target: '0',
      pass: r.unaccounted === 0,
    },
    { scenario: name, metric: 'etcd requests/fire', value: r.etcdRequestsPerFire },
    { scenario: name, metric: 'raft writes/fire', value: r.raftWritesPerFire },
    {
      scenario: name,
      metric: 'worker RSS MiB (max, at the end)',
      value: Math.max(...r.workerRssMiB),
    },
    {
      scenario: name,
      metric: 'worker peak RSS MB (VmHWM)',
      value: peak,
      target: targets.peakRssMB === undefined ? undefined : `<= ${targets.peakRssMB}`,
      pass: targets.peakRssMB === undefined ? undefined : peak <= targets.peakRssMB,
    },
    { scenario: name, metric: 'run records/s into MongoDB', value: r.runRecordsPerSecond },
  ];
}

/** A run of HTTP jobs: what arrived at the sink, and the workers' cost. */
export function httpRows(
  name: string,
  r: HttpResult,
  targets: { p99Ms?: number; peakRssMB?: number } = {},
): Row[] {
  const peak = Math.max(...r.workerPeakRssMB);
  return [
    { scenario: name, metric: 'fires/s (distinct arrivals)', value: r.firesPerSecond },
    { scenario: name, metric: 'lateness p50 ms (tick to arrival)', value: r.lateness.p50 },
    {
      scenario: name,
      metric: 'lateness p99 ms (tick to arrival)',
      value: r.lateness.p99,
      target: targets.p99Ms === undefined ? undefined : `<= ${targets.p99Ms}`,
      pass: targets.p99Ms === undefined ? undefined : r.lateness.p99 <= targets.p99Ms,
    },
    { scenario: name, metric: 'lateness max ms', value: r.lateness.max },
    { scenario: name, metric: 'misses', value: r.misses, target: '0', pass: r.misses === 0 },
    {
      scenario: name,
      metric: 'duplicates',
      value: r.duplicates,
      target: '0',
      pass: r.duplicates === 0,
    },
    { scenario: name, metric: 'misses recorded skipped/missed', value: r.recordedNotRun },
    { scenario: name, metric: 'etcd requests/fire', value: r.etcdRequestsPerFire },
    { scenario: name, metric: 'raft writes/fire', value: r.raftWritesPerFire },
    {
      scenario: name,
      metric: 'worker peak RSS MB (VmHWM), each',
      value: r.workerPeakRssMB.map((v) => v.toFixed(0)).join(', '),
      target: targets.peakRssMB === undefined ? undefined : `<= ${targets.peakRssMB}`,
      pass: targets.peakRssMB === undefined ? undefined : peak <= targets.peakRssMB,
    },
  ];
}
