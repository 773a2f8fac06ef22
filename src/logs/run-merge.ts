/** The fields the history is ordered by: newest tick first, then run id, both descending. */
export interface Ordered {
  runId: string;
  tick: Date;
}

/** Newest first by (tick, runId), as every listing of the history is. */
export function newestFirst(a: Ordered, b: Ordered): number {
  const byTick = b.tick.getTime() - a.tick.getTime();
  if (byTick !== 0) return byTick;
  return a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0;
}

/**
 * One listing from the outcomes (`runs`) and the active records (`runs_active`), each already
 * newest first and limited: an outcome wins over an active record of the same run (a `running`
 * record whose delete has not happened yet, a placeholder an outcome replaced).
 */
export function mergeRuns<T extends Ordered>(outcomes: T[], active: T[], limit: number): T[] {
  const settled = new Set(outcomes.map((run) => run.runId));
  return [...outcomes, ...active.filter((run) => !settled.has(run.runId))]
    .sort(newestFirst)
    .slice(0, limit);
}
