import { DependencyCause } from '../jobs/dependencies/dependency.model';
import { RunTrigger } from '../logs/run.model';

/** A worker's registration, the value of `workers/<workerId>` under its session lease. */
export interface WorkerInfo {
  id: string;
  host: string;
  ip: string;
  pid: number;
  labels: Record<string, string>;
  /** WORKER_MAX_CONCURRENT. */
  capacity: number;
  /** Ticks wait here for a free slot: other workers help with its jobs (docs/coordination.md). */
  saturated?: boolean;
  version: string;
  /** ISO time. */
  startedAt: string;
}

/** Body of `running/<job>/<runId>` (or `running/<job>` under policy forbid). */
export interface RunningEntry {
  runId: string;
  workerId: string;
  /** The claim attempt that wrote the key (a trigger's consumption recognises its own). */
  claim?: string;
  /** ISO time. */
  startedAt: string;
  pid?: number;
}

/**
 * Body of `trigger/<job>/<id>`: a manual run, a retry, or a tick handed back by a worker that
 * claimed it and lost its session before starting it, waiting to be claimed by the owner.
 */
export interface TriggerRequest {
  runId: string;
  trigger: RunTrigger;
  attempt: number;
  /** Epoch ms; the owner waits until then (retry backoff). */
  notBefore: number;
  /** The scheduled tick the run belongs to (epoch ms); the request time for manual runs. */
  tick: number;
  reason: string;
  /** A run triggered by the end of a parent's run (trigger `dependency`), and its retries. */
  dependency?: DependencyCause;
}

/** Body of `kill/<runId>` or `kill/<job>` (short lease). */
export interface KillRequest {
  requestedBy: string;
  /** ISO time. */
  at: string;
}
