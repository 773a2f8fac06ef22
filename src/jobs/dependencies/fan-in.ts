/**
 * The per-child parent state kept in etcd at `deps/<child>` (pure logic; docs/coordination.md,
 * "Dependencies"). `last` holds, per parent, the last parent run counted for this child: it
 * makes the end transaction idempotent (a transaction sent again after a lost answer finds its
 * run there and does nothing). `pending` holds the parents that had a matching run since the
 * child's last dependency-triggered run; the child fires once every current parent is in it,
 * and `pending` empties.
 */
export interface DependencyState {
  last: Record<string, string>;
  pending: Record<string, string>;
}

export type ParentEndPlan =
  /** This parent run was counted already (our own earlier commit): nothing to do. */
  | { kind: 'counted' }
  /** Count it; `fire` when the child's parents are now all pending (pending is emptied). */
  | { kind: 'count'; state: DependencyState; fire: boolean };

/** Reads a stored `deps/<child>` value; an empty state when absent or unreadable. */
export function parseDependencyState(text: string | undefined): DependencyState {
  if (text === undefined) return { last: {}, pending: {} };
  try {
    const value = JSON.parse(text) as Partial<DependencyState>;
    return {
      last: isStringMap(value.last) ? value.last : {},
      pending: isStringMap(value.pending) ? value.pending : {},
    };
  } catch {
    return { last: {}, pending: {} };
  }
}

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

/**
 * What a matching end of `runId` of `parent` does to the child's state, the child having
 * `parents` (job ids, from its current definition). Parents no longer named are dropped.
 */
export function planParentEnd(
  state: DependencyState,
  parent: string,
  runId: string,
  parents: readonly string[],
): ParentEndPlan {
  if (state.last[parent] === runId) return { kind: 'counted' };
  const named = new Set(parents);
  const keep = (map: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(map).filter(([job]) => named.has(job)));
  const last = { ...keep(state.last), [parent]: runId };
  const pending = { ...keep(state.pending), [parent]: runId };
  const fire = parents.every((job) => pending[job] !== undefined);
  return { kind: 'count', state: { last, pending: fire ? {} : pending }, fire };
}
