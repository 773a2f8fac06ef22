import { CronSyntaxError, parseSchedule, Schedule } from '../cron/schedule';
import { jobId } from '../etcd/etcd-keys';
import { JobSpec, JobTarget } from '../jobs/job.model';
import { DEFAULT_NAMESPACE } from '../namespaces/namespace';
import { poolConflicts } from '../namespaces/namespace.model';

/** A job as the scheduler holds it: the spec, its etcd revision, and its parsed schedule. */
export interface TableJob {
  spec: JobSpec;
  revision: number;
  /** Undefined when the stored expression does not parse; the job then never fires. */
  schedule?: Schedule;
  error?: string;
}

/**
 * What a worker keeps of every job: the stored value, its revision and target, which decide
 * ownership. Only the jobs a worker schedules are parsed in full (readJob): with ten thousand
 * jobs, parsed specs and cron schedules of jobs other workers own were most of a worker's heap.
 */
export interface JobEntry {
  value: string;
  revision: number;
  target: JobTarget;
  /**
   * The partition the job was read from, which decides its owner; undefined for a broad job
   * (read from `broad/`), whose owner is decided job by job (scheduler/partitions.ts).
   */
  partition?: string;
}

/** The target of most jobs, shared rather than held once per job. */
const ANY_ONE: JobTarget = Object.freeze({ labels: Object.freeze({}), mode: 'one' }) as JobTarget;

/**
 * Reads a job definition (`specs/<namespace>/<slot>/<name>`, named by its job id) as an entry;
 * undefined when it is not a job at all, or when it may not run on its namespace's worker pool
 * (`pool`: the labels a worker needs; undefined when the namespace does not exist), which
 * `fencedBecause` explains. The pool's labels join the target's: only pool workers own the job.
 */
export function readEntry(
  name: string,
  value: string,
  revision: number,
  pool: Record<string, string> | undefined = {},
): JobEntry | undefined {
  const spec = parseSpec(name, value);
  if (!spec || fencedBecause(spec, pool) !== undefined) return undefined;
  const target = spec.target ?? ANY_ONE;
  const labels = { ...pool, ...(target.labels ?? {}) };
  const anyOne = target.mode !== 'all' && Object.keys(labels).length === 0;
  return { value, revision, target: anyOne ? ANY_ONE : { ...target, labels } };
}

/** Why a job may not run in its namespace's pool, or undefined when it may. */
export function fencedBecause(
  spec: Pick<JobSpec, 'target'>,
  pool: Record<string, string> | undefined,
): string | undefined {
  if (pool === undefined) return 'its namespace does not exist';
  const conflicts = poolConflicts(pool, spec.target?.labels ?? {});
  if (conflicts.length === 0) return undefined;
  return `its target contradicts its namespace's worker pool (${conflicts
    .map((key) => `${key}=${pool[key]}`)
    .join(', ')})`;
}

/** The spec of a stored value, for explaining why it was not taken; undefined if not a job. */
export function specOf(name: string, value: string): JobSpec | undefined {
  return parseSpec(name, value);
}

function parseSpec(name: string, value: string): JobSpec | undefined {
  let spec: JobSpec;
  try {
    spec = JSON.parse(value) as JobSpec;
  } catch {
    return undefined;
  }
  if (
    typeof spec !== 'object' ||
    spec === null ||
    typeof spec.name !== 'string' ||
    jobId(spec.namespace ?? DEFAULT_NAMESPACE, spec.name) !== name ||
    typeof spec.command !== 'string'
  ) {
    return undefined;
  }
  // On a worker a job is known by its id (`<namespace>:<name>`, or the name in `default`):
  // marks, running keys, triggers, run ids and run records use it.
  spec.name = name;
  return spec;
}

/** Parses a job definition in full; undefined when it is not a job at all. */
export function readJob(
  name: string,
  value: string,
  revision: number,
  now = Date.now(),
): TableJob | undefined {
  const spec = parseSpec(name, value);
  if (!spec) return undefined;
  spec.target ??= { labels: {}, mode: 'one' };
  spec.target.labels ??= {};
  spec.env ??= {};
  spec.retries ??= { max: 0, backoffSeconds: 10, factor: 2 };
  spec.concurrencyPolicy ??= 'forbid';
  spec.misfirePolicy ??= 'runOnce';
  spec.catchupWindowSeconds ??= 3600;
  spec.enabled ??= true;
  // A job with `after` and no schedule runs only when triggered (by its parents, or by hand).
  if (spec.cronExpr === '' && (spec.after?.length ?? 0) > 0) return { spec, revision };
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
