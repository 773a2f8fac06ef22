import { DependencyOn } from './dependencies/dependency.model';
import {
  ConcurrencyPolicy,
  EnvValue,
  JobAlerts,
  JobTarget,
  MisfirePolicy,
  RetryPolicy,
} from './job.model';
import { HttpExecutorSpec } from './http-job';

/** The writable fields of a job, as a create, replace or patch request gives them. */
export interface JobInput {
  command?: string;
  cronExpr?: string;
  timezone?: string;
  description?: string;
  enabled?: boolean;
  timeoutSeconds?: number;
  concurrencyPolicy?: ConcurrencyPolicy;
  misfirePolicy?: MisfirePolicy;
  catchupWindowSeconds?: number;
  retries?: Partial<RetryPolicy>;
  target?: Partial<JobTarget>;
  env?: Record<string, EnvValue>;
  alerts?: Partial<JobAlerts>;
  shell?: string;
  stdin?: string;
  runAs?: string;
  labels?: Record<string, string>;
  managedBy?: string;
  /** `on` defaults to `succeeded`. */
  after?: { job: string; on?: DependencyOn }[];
  /** `{type: "shell"}` makes the job a shell job again; `{type: "http", ...}` an HTTP job. */
  executor?: ExecutorInput;
}

/** An executor as a request gives it (expectStatus entries may be numbers). */
export interface ExecutorInput extends Partial<Omit<HttpExecutorSpec, 'type' | 'expectStatus'>> {
  type: 'shell' | 'http';
  expectStatus?: (string | number)[];
}

/** The original crontab's job: the whole of what /job/save takes and /job/list gives. */
export interface CompatJob {
  name: string;
  command: string;
  cronExpr: string;
}

/** `If-Match`: a revision, or `*` (the job must exist). */
export type IfMatch = number | '*';

export const MAX_COMMAND_BYTES = 64 * 1024;

/** A job's `stdin` content, at most (it travels in the job's etcd value and to the spawner). */
export const MAX_STDIN_BYTES = 64 * 1024;

/** A job's `shell`: an absolute path of printable characters, at most 256 bytes. */
export const SHELL_PATH_PATTERN = /^\/[\x21-\x7e]{0,255}$/;
