/**
 * A backfill: every tick of a job's schedule in `[from, to]`, run through the trigger path
 * under the tick's own run id. Kept in etcd at `backfills/<id>` (on the backfill's own lease)
 * and driven by the leading master; see docs/coordination.md, "Backfills".
 */
export const BACKFILL_STATUSES = ['running', 'cancelling', 'cancelled', 'done', 'failed'] as const;
export type BackfillStatus = (typeof BACKFILL_STATUSES)[number];

/** Defaults and bounds of a request (docs/api.md). */
export const BACKFILL_LIMITS = {
  maxRunsDefault: 100,
  maxRunsMax: 1000,
  concurrencyDefault: 1,
  concurrencyMax: 50,
  rateDefault: 1,
  rateMin: 0.01,
  rateMax: 50,
} as const;

/** How long a backfill's state and its per-tick guards are kept: 7 days. */
export const BACKFILL_TTL_SECONDS = 7 * 24 * 3600;

/** A tick triggered by the backfill whose outcome is not known yet. */
export interface QueuedTick {
  tick: number;
  runId: string;
}

/** The job's mark was seen at or past `upTo` at `at`: every claim of those ticks came before. */
export interface MarkSighting {
  upTo: number;
  at: number;
}

export interface BackfillCounts {
  /** Triggered and ended `succeeded`. */
  ran: number;
  /** Triggered and ended otherwise (failed, timeout, killed, lost). */
  failed: number;
  /** Not triggered: the tick had run already (or another backfill took it). */
  skippedAlreadyRan: number;
  /** Triggered, then withdrawn by a cancel before a worker took it. */
  cancelled: number;
}

export interface BackfillState {
  id: string;
  /** The job's id (its name in `default`, `<namespace>:<name>` elsewhere). */
  job: string;
  namespace: string;
  name: string;
  from: number;
  to: number;
  /** Every tick of the range, enumerated when the backfill was accepted. */
  ticks: number[];
  concurrency: number;
  ratePerSecond: number;
  status: BackfillStatus;
  /** Index in `ticks` of the next tick to decide. */
  cursor: number;
  queued: QueuedTick[];
  counts: BackfillCounts;
  sightings: MarkSighting[];
  /** Epoch ms of the last trigger written (pacing). */
  lastQueuedAt?: number;
  /** The job's `createdAt` when accepted: ticks before it were never claimable by this job. */
  jobCreatedAt: number;
  /** The etcd lease (hex) the state and the guards are on. */
  lease: string;
  createdBy: string;
  createdAt: string;
  finishedAt?: string;
  cancelledBy?: string;
  /** Why the backfill is waiting or failed, for people. */
  note?: string;
}

/** A backfill's progress as the API shows it. */
export interface BackfillProgress {
  total: number;
  /** Not decided yet (neither triggered nor skipped). */
  pending: number;
  /** Triggered, outcome not known yet. */
  queued: number;
  ran: number;
  failed: number;
  skippedAlreadyRan: number;
  cancelled: number;
}

export function progressOf(state: BackfillState): BackfillProgress {
  return {
    total: state.ticks.length,
    pending: state.ticks.length - state.cursor,
    queued: state.queued.length,
    ...state.counts,
  };
}

export function isActive(status: BackfillStatus): boolean {
  return status === 'running' || status === 'cancelling';
}
