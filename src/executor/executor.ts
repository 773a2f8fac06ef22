/** Why a run was stopped from outside: a kill request, the job's timeout, or worker shutdown. */
export type StopReason = 'killed' | 'timeout';

export interface ExecutionRequest {
  runId: string;
  command: string;
  env: Record<string, string>;
  /** 0 = no timeout. */
  timeoutMs: number;
  /** Time between SIGTERM and SIGKILL of the process group. */
  killGraceMs: number;
  outputCapBytes: number;
  /** Live output, in the order it was produced (stdout and stderr interleaved). */
  onOutput?: (chunk: Buffer) => void;
}

export interface ExecutionResult {
  status: 'succeeded' | 'failed' | 'timeout' | 'killed';
  exitCode?: number;
  signal?: string;
  error?: string;
  output: string;
  truncated: boolean;
}

export interface Execution {
  readonly pid?: number;
  readonly done: Promise<ExecutionResult>;
  /** Stops the run: SIGTERM to the whole process group, SIGKILL after the grace period. */
  stop(reason: StopReason, detail?: string): void;
}

/** A way to run a job's command; the shell executor is the default driver. */
export interface Executor {
  start(request: ExecutionRequest): Execution;
}

export const EXECUTOR = Symbol('EXECUTOR');
