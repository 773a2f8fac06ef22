import { RunStatus, RunTrigger } from '../../logs/run.model';

/** A run record as the worker produces it; times are epoch ms so it survives a JSON spool. */
export interface RunRecord {
  runId: string;
  job: string;
  tick: number;
  attempt: number;
  trigger: RunTrigger;
  workerId: string;
  status: RunStatus;
  command?: string;
  exitCode?: number;
  signal?: string;
  error?: string;
  output?: string;
  truncated?: boolean;
  startedAt?: number;
  endedAt?: number;
  durationMs?: number;
  latenessMs?: number;
  /** Trigger `dependency`: the parent job (id) and run that started this one. */
  parentJob?: string;
  parentRunId?: string;
}

/**
 * `start` records a run still going (its `running` record, or a placeholder such as a `lost`
 * tick) in `runs_active` if it has none yet; `final` records the outcome in `runs`, which
 * supersedes any active record. Either order gives the same history, so batches may be written
 * unordered and spooled writes replayed late.
 */
export interface RunLogOp {
  kind: 'start' | 'final';
  run: RunRecord;
}

/** The record as stored in the `runs` collection (see src/logs/schemas/run.schema.ts). */
export function runDocument(run: RunRecord): Record<string, unknown> {
  const date = (ms?: number): Date | undefined => (ms === undefined ? undefined : new Date(ms));
  const doc: Record<string, unknown> = {
    ...run,
    tick: new Date(run.tick),
    startedAt: date(run.startedAt),
    endedAt: date(run.endedAt),
  };
  for (const key of Object.keys(doc)) if (doc[key] === undefined) delete doc[key];
  return doc;
}
