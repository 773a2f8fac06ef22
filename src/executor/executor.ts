/** Why a run was stopped from outside: a kill request, the job's timeout, or worker shutdown. */
export type StopReason = 'killed' | 'timeout';

export interface ExecutionRequest {
  runId: string;
  command: string;
  /** The shell that runs `<shell> -c <command>`; absent: the worker's WORKER_SHELL. */
  shell?: string;
  /** The command's standard input (it reads this, then end of file); absent: /dev/null. */
  stdin?: string;
  /**
   * Whom the command runs as (`user` or `user:group`, resolved where it starts; `allowRoot`: it may
   * be uid 0), allowed already by the run-as policy; absent: the worker's user.
   */
  runAs?: { identity: string; allowRoot: boolean };
  env: Record<string, string>;
  /** 0 = no timeout. */
  timeoutMs: number;
  /** Time between SIGTERM and SIGKILL of the process group. */
  killGraceMs: number;
  outputCapBytes: number;
  /** Start no earlier than this (epoch ms): a tick claimed ahead starts at the tick. */
  notBefore?: number;
  /** Live output, in the order it was produced (stdout and stderr interleaved). */
  onOutput?: (chunk: Buffer) => void;
  /** Values (secrets) replaced by `***` in the output, live and kept. */
  mask?: string[];
  /** An HTTP job's request (headers resolved, secrets included): sent instead of a command. */
  http?: HttpRequestPlan;
}

/** What an HTTP run sends and expects (src/executor/http/); `command` is unused then. */
export interface HttpRequestPlan {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  expectStatus: string[];
  followRedirects: number;
  maxResponseBytes: number;
}

export interface ExecutionResult {
  status: 'succeeded' | 'failed' | 'timeout' | 'killed';
  exitCode?: number;
  signal?: string;
  error?: string;
  output: string;
  truncated: boolean;
}

/** The moment a command's process had started (epoch ms), and its pid (none for an HTTP run). */
export interface ProcessStart {
  pid?: number;
  at: number;
}

export interface Execution {
  /** The pid of the command (leader of its process group), once the spawn is confirmed. */
  readonly pid?: number;
  /** Resolves once the command runs (its pid and start time), or with undefined if it never did. */
  readonly started: Promise<ProcessStart | undefined>;
  readonly done: Promise<ExecutionResult>;
  /**
   * Stops the run: SIGTERM to the whole process group, SIGKILL after the grace period. A stop
   * requested before the spawn is confirmed is applied as soon as the pid is known.
   */
  stop(reason: StopReason, detail?: string): void;
}

/** A way to run a job's command; the spawner executor is the default driver. */
export interface Executor {
  start(request: ExecutionRequest): Execution;
  /**
   * Starts wait in the executor while `open()` is false (the worker cannot vouch for the session
   * its claims were made under); `reopen()` says to look again. A start already handed to the
   * process that spawns is not held back.
   */
  gateStarts(open: () => boolean): void;
  reopen(): void;
}

export const EXECUTOR = Symbol('EXECUTOR');
