import { spawn } from 'node:child_process';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Execution, ExecutionRequest, ExecutionResult, Executor, StopReason } from './executor';
import { OutputBuffer } from './output-buffer';

/** After the shell exits, wait this long for background children to release stdout/stderr. */
const STDIO_DRAIN_MS = 500;

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // A negative pid addresses the process group the shell leads (spawned detached).
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * Runs `WORKER_SHELL -c command` as the leader of its own process group, so a timeout or kill
 * reaches every child the command started, not just the shell.
 */
@Injectable()
export class ShellExecutor implements Executor {
  constructor(private readonly config: AppConfig) {}

  start(request: ExecutionRequest): Execution {
    const output = new OutputBuffer(request.outputCapBytes);
    const child = spawn(this.config.WORKER_SHELL, ['-c', request.command], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: request.env,
    });
    let stopped: { reason: StopReason; detail?: string } | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let timeoutTimer: NodeJS.Timeout | undefined;

    const onData = (chunk: Buffer): void => {
      output.write(chunk);
      request.onOutput?.(chunk);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);

    const stop = (reason: StopReason, detail?: string): void => {
      if (
        stopped ||
        child.pid === undefined ||
        child.exitCode !== null ||
        child.signalCode !== null
      )
        return;
      stopped = { reason, detail };
      const pid = child.pid;
      signalGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), request.killGraceMs);
    };

    if (request.timeoutMs > 0) {
      timeoutTimer = setTimeout(
        () => stop('timeout', `timed out after ${request.timeoutMs} ms`),
        request.timeoutMs,
      );
    }

    const done = new Promise<ExecutionResult>((resolve) => {
      let spawnError: Error | undefined;
      child.once('error', (error) => {
        spawnError = error;
      });
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        clearTimeout(timeoutTimer);
        const pid = child.pid;
        if (stopped && pid !== undefined) {
          // The shell is gone; make sure the rest of its group follows within the grace period.
          signalGroup(pid, 'SIGTERM');
          clearTimeout(killTimer);
          setTimeout(() => signalGroup(pid, 'SIGKILL'), request.killGraceMs).unref();
        }
        const settle = (): void => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          resolve(resultOf(code, signal, stopped, spawnError, output));
        };
        let settled = false;
        const once = (): void => {
          if (settled) return;
          settled = true;
          settle();
        };
        // Output may still be in flight after exit; background children may also hold the pipes.
        child.once('close', once);
        setTimeout(once, STDIO_DRAIN_MS);
      };
      child.once('exit', finish);
      if (child.pid === undefined) {
        child.once('error', (error) => {
          clearTimeout(timeoutTimer);
          resolve(resultOf(null, null, undefined, error, output));
        });
      }
    });
    return { pid: child.pid, done, stop };
  }
}

function resultOf(
  code: number | null,
  signal: NodeJS.Signals | null,
  stopped: { reason: StopReason; detail?: string } | undefined,
  spawnError: Error | undefined,
  output: OutputBuffer,
): ExecutionResult {
  const base = {
    exitCode: code ?? undefined,
    signal: signal ?? undefined,
    output: output.toString(),
    truncated: output.truncated,
  };
  if (spawnError)
    return { ...base, status: 'failed', error: `could not start: ${spawnError.message}` };
  if (stopped) return { ...base, status: stopped.reason, error: stopped.detail };
  if (code === 0) return { ...base, status: 'succeeded' };
  return {
    ...base,
    status: 'failed',
    error: signal ? `terminated by ${signal}` : `exit code ${code ?? 'unknown'}`,
  };
}
