/**
 * Which `running` records are lost: those whose running key has been absent since at least
 * `lostAfterMs` ago (first noticed in an earlier sweep). Returns the updated first-seen map,
 * which forgets runs that are live again or no longer recorded as running.
 */
export function lostRuns(
  recordedRunning: string[],
  live: ReadonlySet<string>,
  previous: ReadonlyMap<string, number>,
  now: number,
  lostAfterMs: number,
): { lost: string[]; missingSince: Map<string, number> } {
  const missingSince = new Map<string, number>();
  const lost: string[] = [];
  for (const runId of recordedRunning) {
    if (live.has(runId)) continue;
    const since = previous.get(runId) ?? now;
    missingSince.set(runId, since);
    if (now - since >= lostAfterMs) lost.push(runId);
  }
  return { lost, missingSince };
}
