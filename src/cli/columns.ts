/** The table columns of `get`; `now` is passed in so the relative times are testable. */
import { Column, labelsText, paintStatus, relativeTime, shortDuration } from './output';
import { jobAction, jobType } from './types';
import type { AlertItem, JobItem, RunItem, WorkerItem } from './types';

export function jobColumns(now: number): Column<JobItem>[] {
  void now;
  return [
    { header: 'NAME', value: (j) => j.name },
    { header: 'SCHEDULE', value: (j) => j.cronExpr },
    { header: 'TIMEZONE', value: (j) => j.timezone },
    {
      header: 'ENABLED',
      value: (j) => (j.enabled ? 'yes' : 'paused'),
      paint: (t, j) => (j.enabled ? t : paintStatus(t, 'pending')),
    },
    { header: 'LABELS', value: (j) => labelsText(j.labels), wide: true, shrink: true },
    { header: 'TARGET', value: (j) => labelsText(j.target?.labels), wide: true },
    { header: 'MANAGED BY', value: (j) => j.managedBy ?? '', wide: true, shrink: true },
    {
      header: 'TIMEOUT',
      value: (j) => (j.timeoutSeconds ? `${j.timeoutSeconds}s` : '-'),
      wide: true,
    },
    { header: 'CONCURRENCY', value: (j) => j.concurrencyPolicy ?? '', wide: true },
    { header: 'DESCRIPTION', value: (j) => j.description ?? '', wide: true, shrink: true },
    { header: 'TYPE', value: (j) => jobType(j) },
    { header: 'COMMAND', value: (j) => jobAction(j), shrink: true },
  ];
}

export function runColumns(now: number): Column<RunItem>[] {
  return [
    { header: 'RUN', value: (r) => r.runId },
    { header: 'JOB', value: (r) => r.job },
    { header: 'STATUS', value: (r) => r.status, paint: (t, r) => paintStatus(t, r.status) },
    {
      header: 'EXIT',
      value: (r) => (r.exitCode === undefined || r.exitCode === null ? '' : String(r.exitCode)),
    },
    { header: 'TRIGGER', value: (r) => r.trigger ?? '' },
    { header: 'STARTED', value: (r) => relativeTime(r.startedAt ?? r.tick, now) },
    { header: 'DURATION', value: (r) => shortDuration(r.durationMs) },
    { header: 'TICK', value: (r) => r.tick, wide: true },
    { header: 'WORKER', value: (r) => r.workerId ?? '', wide: true, shrink: true },
    { header: 'ERROR', value: (r) => r.error ?? '', wide: true, shrink: true },
  ];
}

export function workerColumns(now: number): Column<WorkerItem>[] {
  return [
    { header: 'ID', value: (w) => w.id, shrink: true },
    { header: 'HOST', value: (w) => w.host },
    { header: 'RUNNING', value: (w) => `${w.running}/${w.capacity}` },
    { header: 'AGE', value: (w) => relativeTime(w.startedAt, now).replace(/ ago$/, '') },
    { header: 'IP', value: (w) => w.ip, wide: true },
    { header: 'PID', value: (w) => String(w.pid), wide: true },
    { header: 'VERSION', value: (w) => w.version, wide: true },
    { header: 'LABELS', value: (w) => labelsText(w.labels), shrink: true },
  ];
}

export function alertColumns(now: number): Column<AlertItem>[] {
  return [
    { header: 'JOB', value: (a) => a.job },
    { header: 'RUN', value: (a) => a.runId },
    { header: 'STATUS', value: (a) => a.status, paint: (t, a) => paintStatus(t, a.status) },
    { header: 'DELIVERY', value: (a) => a.state, paint: (t, a) => paintStatus(t, a.state) },
    { header: 'RAISED', value: (a) => relativeTime(a.raisedAt, now) },
    { header: 'ATTEMPTS', value: (a) => String(a.attempts ?? 0), wide: true },
    { header: 'WEBHOOK', value: (a) => a.webhookHost ?? '', wide: true },
    { header: 'LAST ERROR', value: (a) => a.lastError ?? '', wide: true, shrink: true },
  ];
}
