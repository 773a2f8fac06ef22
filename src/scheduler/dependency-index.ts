import { DEPENDENCY_ONS, DependencyOn } from '../jobs/dependencies/dependency.model';
import { EdgeValue } from '../jobs/job-index';

/** A child of a parent job, as a worker ending the parent's run needs it. */
export interface ChildLink {
  /** The child's job id. */
  child: string;
  on: DependencyOn;
  /** Every parent of the child (job ids), for fan-in. */
  parents: string[];
  enabled: boolean;
}

/**
 * The children index of a worker (no I/O), from the edge keys it watches
 * (`children/<parent id>/<child id>`, written with each child's definition: src/jobs/job-index.ts).
 * The worker that ends a parent's run reads the parent's children here and writes their
 * triggers in the same transaction (DependencyTrigger). Every worker holds every edge, and no
 * job definition: a parent's holder need not hold its children's partitions.
 */
export class DependencyIndex {
  private readonly byParent = new Map<string, Map<string, ChildLink>>();

  /** An edge key's tail (`<parent>/<child>`) and value; an unreadable one is left out. */
  put(edge: string, value: string): void {
    this.delete(edge);
    const at = edge.indexOf('/');
    const link = parseEdge(edge.slice(at + 1), value);
    if (at <= 0 || !link) return;
    const parent = edge.slice(0, at);
    let children = this.byParent.get(parent);
    if (!children) this.byParent.set(parent, (children = new Map()));
    children.set(link.child, link);
  }

  delete(edge: string): void {
    const at = edge.indexOf('/');
    const parent = edge.slice(0, at);
    const children = this.byParent.get(parent);
    children?.delete(edge.slice(at + 1));
    if (children?.size === 0) this.byParent.delete(parent);
  }

  reset(entries: ReadonlyMap<string, string>): void {
    this.byParent.clear();
    for (const [edge, value] of entries) this.put(edge, value);
  }

  /** The children of `parent` (job id), one link per child. */
  childrenOf(parent: string): ChildLink[] {
    return [...(this.byParent.get(parent)?.values() ?? [])];
  }
}

function parseEdge(child: string, value: string): ChildLink | undefined {
  if (child === '') return undefined;
  let edge: Partial<EdgeValue>;
  try {
    edge = JSON.parse(value) as Partial<EdgeValue>;
  } catch {
    return undefined;
  }
  if (typeof edge !== 'object' || edge === null || !Array.isArray(edge.parents)) return undefined;
  const on = DEPENDENCY_ONS.includes(edge.on as DependencyOn)
    ? (edge.on as DependencyOn)
    : 'succeeded';
  const parents = edge.parents.filter((parent): parent is string => typeof parent === 'string');
  return { child, on, parents, enabled: edge.enabled !== false };
}
