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
}

/**
 * The environment of a job's command: a few harmless variables of the worker, the job's own
 * `env`, then the CRON_* variables (which the job cannot override).
 */
export function runEnvironment(
  run: RunIdentity,
  jobEnv: Record<string, string>,
  workerEnv: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASSED_THROUGH) {
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
  };
}
