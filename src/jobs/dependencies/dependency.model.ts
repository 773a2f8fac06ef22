import { RunStatus } from '../../logs/run.model';

/**
 * Which end of a parent's run starts the child (docs/jobs-as-code.md, "Dependencies"):
 * `succeeded`, `failed` (failed or timeout), or `completed` (succeeded, failed or timeout).
 * `killed`, `lost`, `skipped` and `missed` never start a child.
 */
export const DEPENDENCY_ONS = ['succeeded', 'failed', 'completed'] as const;
export type DependencyOn = (typeof DEPENDENCY_ONS)[number];

/** One entry of a job's `after`: a parent in the job's own namespace, by name. */
export interface JobDependency {
  job: string;
  on: DependencyOn;
}

/** Parents a job may name at most. */
export const MAX_PARENTS = 32;

/** Whether a parent run that ended with `status` matches `on`. */
export function matchesOn(on: DependencyOn, status: RunStatus): boolean {
  switch (on) {
    case 'succeeded':
      return status === 'succeeded';
    case 'failed':
      return status === 'failed' || status === 'timeout';
    case 'completed':
      return status === 'succeeded' || status === 'failed' || status === 'timeout';
  }
}

/**
 * What a dependency-triggered run knows of its cause: the parent job (id) and run that
 * triggered it, and the chain of job ids of the dependency-triggered runs before it (oldest
 * first, the parent last), which stops a cycle closed by two concurrent edits at run time.
 */
export interface DependencyCause {
  job: string;
  runId: string;
  chain: string[];
}

/** A chain of dependency-triggered runs stops at this length (a cycle, or a very deep graph). */
export const MAX_CHAIN = 64;
