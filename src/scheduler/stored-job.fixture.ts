import { JOB_DEFAULTS, JobSpec } from '../jobs/job.model';

/** A job definition as stored in etcd, every minute unless `over` says otherwise (for specs). */
export const storedJob = (name: string, over: Partial<JobSpec> = {}): string =>
  JSON.stringify({
    ...JOB_DEFAULTS,
    name,
    command: 'true',
    cronExpr: '* * * * *',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    ...over,
  });
