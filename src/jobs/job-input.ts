import { ConcurrencyPolicy, JobAlerts, JobTarget, MisfirePolicy, RetryPolicy } from './job.model';

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
  env?: Record<string, string>;
  alerts?: Partial<JobAlerts>;
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
