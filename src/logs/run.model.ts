export const RUN_STATUSES = [
  'running',
  'succeeded',
  'failed',
  'timeout',
  'killed',
  'lost',
  'skipped',
  'missed',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const FINAL_STATUSES: readonly RunStatus[] = RUN_STATUSES.filter((s) => s !== 'running');

export const RUN_TRIGGERS = [
  'schedule',
  'manual',
  'retry',
  'catchup',
  'dependency',
  'backfill',
] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

/**
 * The id of a run, also its idempotency key: `<job>@<tick>` for a scheduled tick,
 * `<job>@<tick>@<workerId>` for target mode `all`, and `#<attempt>` appended for retries.
 */
export function runIdFor(
  job: string,
  tick: number,
  options: { workerId?: string; attempt?: number } = {},
): string {
  const base = options.workerId ? `${job}@${tick}@${options.workerId}` : `${job}@${tick}`;
  return options.attempt && options.attempt > 1 ? `${base}#${options.attempt}` : base;
}

/** Run id of a manual run: the request time plus a nonce, never equal to a scheduled tick's id. */
export function manualRunId(job: string, requestedAt: number, nonce: string): string {
  return `${job}@${requestedAt}!${nonce}`;
}

/** Run id of retry `attempt` (2 = first retry) of the run `runId`. */
export function retryRunId(runId: string, attempt: number): string {
  return `${runId.replace(/#\d+$/, '')}#${attempt}`;
}
