/**
 * Cycle search in a namespace's dependency graph (pure). Edges go from a child to its parents
 * (`after`); a parent that does not exist has no edges (dangling, allowed).
 */

/**
 * A cycle through `start`, as the list of jobs from `start` back to it (`[a, b, c, a]`: a runs
 * after b, b after c, c after a), or undefined when there is none. `parentsOf` gives a job's
 * parents by name; depth-first, each job visited once, so it ends on any graph.
 */
export function findCycle(
  start: string,
  parentsOf: (job: string) => readonly string[],
): string[] | undefined {
  const visited = new Set<string>();
  const path: string[] = [start];
  const walk = (job: string): boolean => {
    for (const parent of parentsOf(job)) {
      if (parent === start) {
        path.push(parent);
        return true;
      }
      if (visited.has(parent)) continue;
      visited.add(parent);
      path.push(parent);
      if (walk(parent)) return true;
      path.pop();
    }
    return false;
  };
  return walk(start) ? path : undefined;
}

/** `a → b → c → a`: the cycle as the API's message shows it. */
export function describeCycle(cycle: readonly string[]): string {
  return cycle.join(' → ');
}
