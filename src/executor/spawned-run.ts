import { Logger } from '@nestjs/common';
import { Execution, ExecutionRequest, ExecutionResult, ProcessStart, StopReason } from './executor';
import { resultOf, RunOutcome, StopRequest } from './execution-result';
import { OutputBuffer } from './output-buffer';
import { SecretMasker } from '../secrets/secret-masker';
import { signalGroup, terminateGroup } from './process-group';
import { SpawnerClient, SpawnSink } from './spawner-client';
import { SpawnerEvent, SpawnSpec } from './spawner-protocol';

/** After the shell exits, wait this long for background children to release stdout/stderr. */
const STDIO_DRAIN_MS = 500;

/**
 * One run whose process the spawner process started, seen from the worker. The timers (timeout,
 * kill grace, output drain), the stop state machine and the process-group signals live here, so
 * the spawner only spawns and reports; once the pid is reported the worker signals the group
 * itself, and a stop requested before that is applied as soon as it is.
 */
export class SpawnedRun implements Execution, SpawnSink {
  private static readonly logger = new Logger('SpawnerExecutor');
  readonly started: Promise<ProcessStart | undefined>;
  readonly done: Promise<ExecutionResult>;
  private resolveStarted: (start: ProcessStart | undefined) => void = () => undefined;
  private resolveDone: (result: ExecutionResult) => void = () => undefined;
  private readonly output: OutputBuffer;
  /** Secret values become `***` before output is kept or streamed. */
  private readonly masker: SecretMasker;
  private readonly id: number;
  private knownPid?: number;
  private stopped?: StopRequest;
  private exited?: { code: number | null; signal: NodeJS.Signals | null };
  private settled = false;
  private timeoutTimer?: NodeJS.Timeout;
  private killTimer?: NodeJS.Timeout;
  private drainTimer?: NodeJS.Timeout;

  constructor(
    private readonly request: ExecutionRequest,
    spec: SpawnSpec,
    private readonly spawner: SpawnerClient,
  ) {
    this.output = new OutputBuffer(request.outputCapBytes);
    this.masker = new SecretMasker(request.mask ?? []);
    this.started = new Promise((resolve) => (this.resolveStarted = resolve));
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.id = spawner.start(spec, this);
  }

  get pid(): number | undefined {
    return this.knownPid;
  }

  stop(reason: StopReason, detail?: string): void {
    if (this.stopped || this.exited || this.settled) return;
    this.stopped = { reason, detail };
    if (this.knownPid !== undefined) this.killGroup(this.knownPid);
    // Not started yet (waiting for its tick or its turn): it need not start at all.
    else this.spawner.cancel(this.id);
  }

  event(event: SpawnerEvent): void {
    if (this.settled) return;
    switch (event.kind) {
      case 'spawned':
        this.knownPid = event.pid;
        this.resolveStarted({ pid: event.pid, at: event.at });
        if (this.stopped) this.killGroup(event.pid);
        else this.startTimeout(event.at);
        return;
      case 'cancelled':
        this.settle({ code: null, signal: null, stopped: this.stopped });
        return;
      case 'failed':
        this.settle({ code: null, signal: null, failure: `could not start: ${event.message}` });
        return;
      case 'output':
        this.emit(this.masker.push(event.chunk));
        return;
      case 'exit':
        this.onExit(event.code, event.signal);
        return;
      case 'closed':
        if (this.exited) this.settle({ ...this.exited, stopped: this.stopped });
        return;
    }
  }

  lost(reason: string): void {
    if (this.settled) return;
    // The command ended before its spawner did: only output may be missing, the result stands.
    if (this.exited) {
      this.settle({ ...this.exited, stopped: this.stopped });
      return;
    }
    const pid = this.knownPid;
    if (pid !== undefined) {
      clearTimeout(this.killTimer);
      this.killGroup(pid);
    }
    SpawnedRun.logger.warn({
      msg:
        pid === undefined
          ? 'executor process lost before the run was confirmed started'
          : 'executor process lost; stopping the run',
      runId: this.request.runId,
      pid,
    });
    this.settle({ code: null, signal: null, stopped: this.stopped, failure: reason });
  }

  /** The timeout counts from the process's start (not from a wait for its tick or its turn). */
  private startTimeout(startedAt: number): void {
    const { timeoutMs } = this.request;
    if (timeoutMs <= 0) return;
    this.timeoutTimer = setTimeout(
      () => this.stop('timeout', `timed out after ${timeoutMs} ms`),
      Math.max(0, startedAt + timeoutMs - Date.now()),
    );
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = { code, signal };
    clearTimeout(this.timeoutTimer);
    const pid = this.knownPid;
    if (this.stopped && pid !== undefined) {
      // The shell is gone; make sure the rest of its group follows within the grace period.
      clearTimeout(this.killTimer);
      signalGroup(pid, 'SIGTERM');
      setTimeout(() => signalGroup(pid, 'SIGKILL'), this.request.killGraceMs).unref();
    }
    // Output may still be in flight after exit; background children may also hold the pipes.
    const exited = this.exited;
    this.drainTimer = setTimeout(
      () => this.settle({ ...exited, stopped: this.stopped }, true),
      STDIO_DRAIN_MS,
    );
  }

  private emit(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.output.write(chunk);
    this.forward(chunk);
  }

  /** Live output to the caller; its failure must not break the dispatch of other runs. */
  private forward(chunk: Buffer): void {
    try {
      this.request.onOutput?.(chunk);
    } catch (error) {
      SpawnedRun.logger.error({
        msg: 'live output handler failed',
        runId: this.request.runId,
        err: (error as Error).message,
      });
    }
  }

  private killGroup(pid: number): void {
    this.killTimer = terminateGroup(pid, this.request.killGraceMs);
  }

  /** Ends the run once; `releasePipes` when the spawner still holds the command's pipes. */
  private settle(outcome: RunOutcome, releasePipes = false): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timeoutTimer);
    clearTimeout(this.drainTimer);
    this.resolveStarted(undefined); // no effect once the spawn was reported
    this.spawner.finish(this.id, releasePipes);
    this.emit(this.masker.end());
    this.resolveDone(resultOf(outcome, this.output));
  }
}
