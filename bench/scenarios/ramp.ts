/**
 * Scenario (c): raise the number of every-second jobs until a step misses a tick, fires a
 * duplicate, or has p99 lateness of 1 s or more. The ceiling is the last step that passed.
 */
import { BenchCluster } from '../lib/cluster';
import { steady, SteadyResult } from './steady';

export interface RampResult {
  steps: SteadyResult[];
  ceilingFiresPerSecond: number;
}

export function stepPasses(step: SteadyResult): boolean {
  return step.misses === 0 && step.duplicates === 0 && step.lateness.p99 < 1000;
}

/**
 * BENCH_RAMP_STEPS (comma-separated jobs/s, e.g. `800,1200`) runs only those steps instead of
 * the caller's, to keep a profiling run short.
 */
export function rampSteps(given: number[], env = process.env.BENCH_RAMP_STEPS): number[] {
  if (env === undefined || env.trim() === '') return given;
  const steps = env.split(',').map((s) => Number(s.trim()));
  if (steps.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new Error(`BENCH_RAMP_STEPS must be positive integers, got "${env}"`);
  }
  return steps;
}

export async function ramp(
  cluster: BenchCluster,
  options: { workers: number; steps: number[]; seconds: number },
): Promise<RampResult> {
  const steps: SteadyResult[] = [];
  let ceiling = 0;
  for (const jobs of rampSteps(options.steps)) {
    const step = await steady(cluster, {
      jobs,
      workers: options.workers,
      seconds: options.seconds,
      label: `ramp${jobs}`,
    });
    steps.push(step);
    process.stderr.write(
      `bench: ramp ${jobs} jobs/s: p99 ${step.lateness.p99} ms, misses ${step.misses}, duplicates ${step.duplicates}\n`,
    );
    if (!stepPasses(step)) break;
    ceiling = step.firesPerSecond;
  }
  return { steps, ceilingFiresPerSecond: ceiling };
}
