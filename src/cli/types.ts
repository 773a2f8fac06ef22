/** The API's shapes as the CLI reads them (only the fields it uses are required). */
export interface JobItem {
  name: string;
  /** Absent from servers without namespaces: `default`. */
  namespace?: string;
  command: string;
  cronExpr: string;
  timezone: string;
  description?: string;
  enabled: boolean;
  timeoutSeconds?: number;
  concurrencyPolicy?: string;
  misfirePolicy?: string;
  target?: { labels?: Record<string, string>; mode?: string };
  /** The job's own labels (metadata). */
  labels?: Record<string, string>;
  /** `user` or `user:group` the command runs as; absent: the worker's user. */
  runAs?: string;
  /** Set when files manage the job (`cronplane apply`). */
  managedBy?: string;
  revision?: number;
  updatedAt?: string;
  /** An HTTP job's request; absent: a shell job. */
  executor?: { type: string; method?: string; url?: string; expectStatus?: string[] };
  [key: string]: unknown;
}

/** `shell`, or the executor's type. */
export function jobType(job: JobItem): string {
  return job.executor?.type ?? 'shell';
}

/** What a job runs: its command, or `METHOD url` for an HTTP job. */
export function jobAction(job: JobItem): string {
  return job.executor?.type === 'http'
    ? `${job.executor.method ?? 'GET'} ${job.executor.url ?? ''}`
    : job.command;
}

export interface RunSummary {
  runId: string;
  status: string;
  trigger?: string;
  tick: string;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  exitCode?: number;
  workerId?: string;
}

export interface RunItem extends RunSummary {
  job: string;
  attempt?: number;
  signal?: string;
  error?: string;
  output?: string;
  truncated?: boolean;
  latenessMs?: number;
}

export interface JobDetail extends JobItem {
  nextFireTimes: string[];
  lastRun: RunSummary | null;
  /** Absent from servers without dependencies. */
  upstream?: { job: string; on: string; exists: boolean }[];
  downstream?: { job: string; on: string }[];
}

export interface WorkerItem {
  id: string;
  host: string;
  ip: string;
  pid: number;
  labels: Record<string, string>;
  capacity: number;
  version: string;
  startedAt: string;
  running: number;
}

export interface AlertItem {
  alertId: string;
  job: string;
  runId: string;
  status: string;
  state: string;
  attempts?: number;
  lastError?: string;
  webhookHost?: string;
  raisedAt: string;
  deliveredAt?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}
