import { CronSyntaxError, parseSchedule, Schedule } from '../cron/schedule';
import { JobSpec } from '../jobs/job.model';

/** A job as the scheduler holds it: the spec, its etcd revision, and its parsed schedule. */
export interface TableJob {
  spec: JobSpec;
  revision: number;
  /** Undefined when the stored expression does not parse; the job then never fires. */
  schedule?: Schedule;
  error?: string;
}

/** Parses a `jobs/<name>` value; undefined when it is not a job at all. */
export function readJob(
  name: string,
  value: string,
  revision: number,
  now = Date.now(),
): TableJob | undefined {
  let spec: JobSpec;
  try {
    spec = JSON.parse(value) as JobSpec;
  } catch {
    return undefined;
  }
  if (
    typeof spec !== 'object' ||
    spec === null ||
    spec.name !== name ||
    typeof spec.command !== 'string'
  ) {
    return undefined;
  }
  spec.target ??= { labels: {}, mode: 'one' };
  spec.target.labels ??= {};
  spec.env ??= {};
  spec.retries ??= { max: 0, backoffSeconds: 10, factor: 2 };
  spec.concurrencyPolicy ??= 'forbid';
  spec.misfirePolicy ??= 'runOnce';
  spec.catchupWindowSeconds ??= 3600;
  spec.enabled ??= true;
  try {
    const schedule = parseSchedule(spec.cronExpr, {
      timezone: spec.timezone,
      dialect: spec.cronDialect,
      now,
      hashKey: name,
    });
    return { spec, revision, schedule };
  } catch (error) {
    if (!(error instanceof CronSyntaxError)) throw error;
    return { spec, revision, error: error.message };
  }
}

/**
 * Ticks at or before this time are never caught up for the job: its last update (a resumed job
 * does not replay the ticks of its pause). Undefined when the spec carries no usable time.
 */
export function catchupFloor(spec: Pick<JobSpec, 'updatedAt'>): number | undefined {
  const at = Date.parse(spec.updatedAt);
  return Number.isFinite(at) ? at : undefined;
}
