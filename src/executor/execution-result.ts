import { ExecutionResult, StopReason } from './executor';
import { OutputBuffer } from './output-buffer';

/** A stop requested from outside (kill request or timeout), with the text the record shows. */
export interface StopRequest {
  reason: StopReason;
  detail?: string;
}

/** Everything known about how a run ended, before it is classified. */
export interface RunOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stopped?: StopRequest;
  /** Why the run failed whatever its exit: it could not start, or its executor process died. */
  failure?: string;
}

/**
 * The run's final status: a failure to start (or to be supervised) wins, then an outside stop,
 * then the exit status of the command.
 */
export function resultOf(outcome: RunOutcome, output: OutputBuffer): ExecutionResult {
  const { code, signal, stopped, failure } = outcome;
  const base = {
    exitCode: code ?? undefined,
    signal: signal ?? undefined,
    output: output.toString(),
    truncated: output.truncated,
  };
  if (failure !== undefined) return { ...base, status: 'failed', error: failure };
  if (stopped) return { ...base, status: stopped.reason, error: stopped.detail };
  if (code === 0) return { ...base, status: 'succeeded' };
  return {
    ...base,
    status: 'failed',
    error: signal ? `terminated by ${signal}` : `exit code ${code ?? 'unknown'}`,
  };
}
