import { jobId, splitJobId } from '../etcd/etcd-keys';
import { DEPENDENCY_ONS, DependencyOn } from '../jobs/dependencies/dependency.model';

/** A child of a parent job, as a worker ending the parent's run needs it. */
export interface ChildLink {
  /** The child's job id. */
  child: string;
  on: DependencyOn;
  /** Every parent of the child (job ids), for fan-in. */
  parents: string[];
  enabled: boolean;
}

interface ChildEntry {
  after: { parent: string; on: DependencyOn }[];
  enabled: boolean;
}

/**
 * The children index of a worker (no I/O): from the job definitions it mirrors (`specs/`), which
 * jobs run after which. The worker that ends a parent's run reads the parent's children here and
 * writes their triggers in the same transaction (DependencyTrigger). Parents are named within
 * the child's namespace.
 */
export class DependencyIndex {
  private readonly children = new Map<string, ChildEntry>();
  private readonly byParent = new Map<string, Set<string>>();

  /** A job's stored value (job id `id`); a value without `after` removes it from the index. */
  put(id: string, value: string): void {
    this.delete(id);
    // Most jobs have no dependencies: skip their parse.
    if (!value.includes('"after"')) return;
    const entry = parseEntry(id, value);
    if (!entry) return;
    this.children.set(id, entry);
    for (const { parent } of entry.after) {
      let set = this.byParent.get(parent);
      if (!set) this.byParent.set(parent, (set = new Set()));
      set.add(id);
    }
  }

  delete(id: string): void {
    const entry = this.children.get(id);
    if (!entry) return;
    this.children.delete(id);
    for (const { parent } of entry.after) {
      const set = this.byParent.get(parent);
      set?.delete(id);
      if (set?.size === 0) this.byParent.delete(parent);
    }
  }

  reset(entries: ReadonlyMap<string, string>): void {
    this.children.clear();
    this.byParent.clear();
    for (const [id, value] of entries) this.put(id, value);
  }

  /** The children of `parent` (job id), one link per child. */
  childrenOf(parent: string): ChildLink[] {
    const links: ChildLink[] = [];
    for (const child of this.byParent.get(parent) ?? []) {
      const entry = this.children.get(child);
      const own = entry?.after.find((link) => link.parent === parent);
      if (!entry || !own) continue;
      links.push({
        child,
        on: own.on,
        parents: entry.after.map((link) => link.parent),
        enabled: entry.enabled,
      });
    }
    return links;
  }
}

function parseEntry(id: string, value: string): ChildEntry | undefined {
  let spec: { after?: unknown; enabled?: unknown };
  try {
    spec = JSON.parse(value) as { after?: unknown; enabled?: unknown };
  } catch {
    return undefined;
  }
  if (!Array.isArray(spec.after) || spec.after.length === 0) return undefined;
  const { namespace } = splitJobId(id);
  const after: ChildEntry['after'] = [];
  for (const item of spec.after as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { job, on } = item as { job?: unknown; on?: unknown };
    if (typeof job !== 'string') continue;
    const kind = DEPENDENCY_ONS.includes(on as DependencyOn) ? (on as DependencyOn) : 'succeeded';
    const parent = jobId(namespace, job);
    if (!after.some((link) => link.parent === parent)) after.push({ parent, on: kind });
  }
  return after.length === 0 ? undefined : { after, enabled: spec.enabled !== false };
}
