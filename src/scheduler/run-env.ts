import { splitJobId } from '../etcd/etcd-keys';
/** Variables passed through from the worker's own environment; nothing else leaks (no secrets). */
const PASSED_THROUGH = [
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'TZ',
  'USER',
  'LOGNAME',
  'SHELL',
  'TMPDIR',
];

export interface RunIdentity {
  job: string;
  runId: string;
  tick: number;
  attempt: number;
  /** A dependency-triggered run's parent (job id and run id). */
  parent?: { job: string; runId: string };
}

/** Who the user is: for a run with `runAs` the spawner sets them from its passwd entry instead. */
const USER_IDENTITY = new Set(['HOME', 'USER', 'LOGNAME']);

/**
 * The environment of a job's command: a few harmless variables of the worker, the job's own
 * `env`, then the CRON_* variables (which the job cannot override). `runsAs`: the command runs
 * as another user, so the worker's HOME, USER and LOGNAME are not passed.
 */
export function runEnvironment(
  run: RunIdentity,
  jobEnv: Record<string, string>,
  workerEnv: NodeJS.ProcessEnv = process.env,
  runsAs = false,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASSED_THROUGH) {
    if (runsAs && USER_IDENTITY.has(name)) continue;
    const value = workerEnv[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  return {
    ...env,
    ...jobEnv,
    // The job's name within its namespace (on a worker, run.job is its id `<ns>:<name>`).
    CRON_JOB: splitJobId(run.job).name,
    CRON_NAMESPACE: splitJobId(run.job).namespace,
    CRON_RUN_ID: run.runId,
    CRON_TICK: String(run.tick),
    CRON_ATTEMPT: String(run.attempt),
    ...(run.parent && {
      CRON_PARENT_JOB: splitJobId(run.parent.job).name,
      CRON_PARENT_RUN_ID: run.parent.runId,
    }),
  };
}
