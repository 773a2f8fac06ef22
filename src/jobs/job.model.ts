import { JobDependency } from './dependencies/dependency.model';
import type { HttpExecutorSpec } from './http-job';

/**
 * A job as stored in etcd under `specs/<namespace>/<slot>/<name>` (JSON). The master validates it before writing
 * (see the DTOs of the API); workers trust the shape but re-parse the schedule.
 */
export const CONCURRENCY_POLICIES = ['allow', 'forbid', 'replace'] as const;
export type ConcurrencyPolicy = (typeof CONCURRENCY_POLICIES)[number];

export const MISFIRE_POLICIES = ['skip', 'runOnce', 'runAll'] as const;
export type MisfirePolicy = (typeof MISFIRE_POLICIES)[number];

export const TARGET_MODES = ['one', 'all'] as const;
export type TargetMode = (typeof TARGET_MODES)[number];

/** Job names become etcd key segments: no `/`, no `..`, no spaces or control characters. */
export const JOB_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isValidJobName(name: string): boolean {
  return JOB_NAME_PATTERN.test(name) && !name.includes('..');
}

/** A job's `managedBy`: printable, no spaces, e.g. `git:git@example.com:ops/jobs.git`. */
export const MANAGED_BY_PATTERN = /^[\x21-\x7e]{1,256}$/;

export interface RetryPolicy {
  max: number;
  backoffSeconds: number;
  factor: number;
}

export interface JobTarget {
  labels: Record<string, string>;
  mode: TargetMode;
}

export interface JobAlerts {
  onFailure: boolean;
  onTimeout: boolean;
  webhookUrl?: string;
}

/** `{"secretRef": "db-password"}`: the secret's value, given to the command only. */
export interface SecretRef {
  secretRef: string;
}

export type EnvValue = string | SecretRef;

export function isSecretRef(value: EnvValue): value is SecretRef {
  return typeof value === 'object' && value !== null && typeof value.secretRef === 'string';
}

export interface JobSpec {
  name: string;
  /** Absent in the first layout's values: `default`. On a worker, `name` is the job id. */
  namespace?: string;
  command: string;
  cronExpr: string;
  /** `gorhill` for expressions saved through the original crontab's /job/save. */
  cronDialect: 'standard' | 'gorhill';
  timezone: string;
  description: string;
  enabled: boolean;
  /** 0 = no timeout. */
  timeoutSeconds: number;
  concurrencyPolicy: ConcurrencyPolicy;
  misfirePolicy: MisfirePolicy;
  catchupWindowSeconds: number;
  retries: RetryPolicy;
  target: JobTarget;
  /** Variables of the command: a value, or a secret of the job's namespace by name. */
  env: Record<string, EnvValue>;
  alerts: JobAlerts;
  /** Absolute path of the shell that runs `<shell> -c <command>`; absent: the worker's WORKER_SHELL. */
  shell?: string;
  /** Standard input of the command (the process reads it, then end of file); absent: /dev/null. */
  stdin?: string;
  /** `user` or `user:group` the command runs as (see src/jobs/run-as.ts); absent: the worker's user. */
  runAs?: string;
  /** Metadata labels of the job itself, for selecting jobs (`?selector=k=v`); absent: none. */
  labels?: Record<string, string>;
  /** Who owns the job's definition, e.g. `git:<repo>` for jobs applied from files; absent: the API. */
  managedBy?: string;
  /** Jobs of the same namespace whose runs start this one (src/jobs/dependencies/); absent: none. */
  after?: JobDependency[];
  /** An HTTP job's request (src/jobs/http-job.ts), with `command` empty; absent: a shell job. */
  executor?: HttpExecutorSpec;
  createdAt: string;
  updatedAt: string;
}

/** A job as read back from etcd: the spec plus its etcd mod_revision. */
export interface StoredJob extends JobSpec {
  revision: number;
}

export const JOB_DEFAULTS: Omit<
  JobSpec,
  'name' | 'command' | 'cronExpr' | 'createdAt' | 'updatedAt'
> = {
  cronDialect: 'standard',
  timezone: 'UTC',
  description: '',
  enabled: true,
  timeoutSeconds: 0,
  concurrencyPolicy: 'forbid',
  misfirePolicy: 'runOnce',
  catchupWindowSeconds: 3600,
  retries: { max: 0, backoffSeconds: 10, factor: 2 },
  target: { labels: {}, mode: 'one' },
  env: {},
  alerts: { onFailure: true, onTimeout: true },
};
