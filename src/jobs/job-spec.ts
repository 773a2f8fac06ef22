import { splitJobId } from '../etcd/etcd-keys';
import { CronDialect, CronSyntaxError, parseSchedule, upcoming } from '../cron/schedule';
import { FieldProblem } from './domain-error';
import { JobInput, MAX_COMMAND_BYTES, MAX_STDIN_BYTES, SHELL_PATH_PATTERN } from './job-input';
import { JOB_DEFAULTS, JobSpec, isValidJobName } from './job.model';
import { RUN_AS_RULE, isValidRunAs } from './run-as';
import { dependencyProblems } from './dependencies/dependency-rules';
import { executorOf } from './http-job-input';
import { httpJobProblems } from './http-job-rules';

/** A copy of `value` without the keys whose value is undefined (DTO instances carry them). */
export function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

type SpecBase = Omit<JobSpec, 'name' | 'createdAt' | 'updatedAt' | 'command' | 'cronExpr'> &
  Partial<Pick<JobSpec, 'command' | 'cronExpr'>>;

/**
 * The job `input` describes, on top of `base`: the defaults for a create or replace, the stored
 * job for a patch. Nested objects (retries, target, alerts) merge one level; maps replace.
 */
export function buildSpec(
  name: string,
  input: JobInput,
  base: SpecBase,
  times: { createdAt: string; updatedAt: string },
  dialect: CronDialect,
): JobSpec {
  const given = definedOnly(input);
  const executor = executorOf(input.executor, base.executor);
  // Field by field, so nothing else of `base` (such as a stored job's revision) leaks into etcd.
  return {
    name,
    // An HTTP job has no command; one that becomes HTTP drops its old command.
    command: given.command ?? (executor || input.executor ? undefined : base.command) ?? '',
    cronExpr: given.cronExpr ?? base.cronExpr ?? '',
    cronDialect: dialect,
    timezone: given.timezone ?? base.timezone,
    description: given.description ?? base.description,
    enabled: given.enabled ?? base.enabled,
    timeoutSeconds: given.timeoutSeconds ?? base.timeoutSeconds,
    concurrencyPolicy: given.concurrencyPolicy ?? base.concurrencyPolicy,
    misfirePolicy: given.misfirePolicy ?? base.misfirePolicy,
    catchupWindowSeconds: given.catchupWindowSeconds ?? base.catchupWindowSeconds,
    retries: { ...base.retries, ...definedOnly(input.retries) },
    target: {
      ...base.target,
      ...definedOnly(input.target),
      labels: input.target?.labels ?? base.target?.labels ?? {},
    },
    env: input.env ?? base.env,
    alerts: { ...base.alerts, ...definedOnly(input.alerts) },
    // Absent (not undefined-valued) when neither gives one: the worker's shell, no input.
    ...optionalField('shell', given.shell ?? base.shell),
    ...optionalField('stdin', given.stdin ?? base.stdin),
    ...optionalField('runAs', given.runAs ?? base.runAs),
    // Job metadata, absent unless given: a replace drops them, a patch keeps them.
    ...optionalMap(input.labels ?? base.labels),
    ...optionalField('managedBy', given.managedBy ?? base.managedBy),
    ...afterField(input.after, base.after),
    ...(executor ? { executor } : {}),
    createdAt: times.createdAt,
    updatedAt: times.updatedAt,
  };
}

/** `after` with `on` filled in; absent when neither gives one, or the list is empty. */
function afterField(given: JobInput['after'], base: JobSpec['after']): Pick<JobSpec, 'after'> {
  const after = given?.map(({ job, on }) => ({ job, on: on ?? 'succeeded' })) ?? base;
  return after === undefined || after.length === 0 ? {} : { after };
}

function optionalMap(labels: Record<string, string> | undefined): Pick<JobSpec, 'labels'> {
  return labels === undefined ? {} : { labels };
}

function optionalField<K extends 'shell' | 'stdin' | 'runAs' | 'managedBy'>(
  key: K,
  value: string | undefined,
): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

export const SPEC_DEFAULTS: SpecBase = JOB_DEFAULTS;

/** The rules a whole job must satisfy, whichever API wrote it; empty when it is valid. */
export function specProblems(spec: JobSpec, now = Date.now()): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!isValidJobName(splitJobId(spec.name).name)) {
    problems.push({
      field: 'name',
      reason:
        'must be 1-128 characters of [A-Za-z0-9._-], start with a letter or digit, and not contain ".."',
    });
  }
  const bytes = Buffer.byteLength(spec.command, 'utf8');
  if (spec.executor !== undefined) problems.push(...httpJobProblems(spec));
  else if (bytes < 1 || bytes > MAX_COMMAND_BYTES) {
    problems.push({ field: 'command', reason: `must be 1 to ${MAX_COMMAND_BYTES} bytes` });
  }
  if (spec.shell !== undefined && !SHELL_PATH_PATTERN.test(spec.shell)) {
    problems.push({ field: 'shell', reason: 'must be an absolute path such as /bin/bash' });
  }
  if (spec.stdin !== undefined && Buffer.byteLength(spec.stdin, 'utf8') > MAX_STDIN_BYTES) {
    problems.push({ field: 'stdin', reason: `must be at most ${MAX_STDIN_BYTES} bytes` });
  }
  if (spec.runAs !== undefined && !isValidRunAs(spec.runAs)) {
    problems.push({ field: 'runAs', reason: RUN_AS_RULE });
  }
  problems.push(...dependencyProblems(spec));
  // With `after`, the schedule may be empty: the job then runs only when triggered.
  if (spec.cronExpr === '' && (spec.after?.length ?? 0) > 0) return problems;
  try {
    parseSchedule(spec.cronExpr, {
      timezone: spec.timezone,
      dialect: spec.cronDialect,
      now,
      hashKey: spec.name,
    });
  } catch (error) {
    if (!(error instanceof CronSyntaxError)) throw error;
    const field = error.message.startsWith('unknown time zone') ? 'timezone' : 'cronExpr';
    problems.push({ field, reason: error.message });
  }
  return problems;
}

/** The next `count` fire times of a valid job after `after`, as epoch ms. */
export function nextFireTimes(spec: JobSpec, after: number, count: number): number[] {
  const schedule = parseSchedule(spec.cronExpr, {
    timezone: spec.timezone,
    dialect: spec.cronDialect,
    now: after,
    hashKey: spec.name,
  });
  return upcoming(schedule, after, count);
}

/** `epochMs` as an ISO 8601 time with the UTC offset of `timezone`, e.g. 2026-03-01T09:00:00+01:00. */
export function isoInZone(epochMs: number, timezone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(epochMs)
      .map((part) => [part.type, part.value]),
  ) as Record<string, string>;
  const wall = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  const offsetMinutes = Math.round((wall - Math.floor(epochMs / 1000) * 1000) / 60000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const offset =
    offsetMinutes === 0
      ? 'Z'
      : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  const ms = String(epochMs % 1000).padStart(3, '0');
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}.${ms}${offset}`;
}
