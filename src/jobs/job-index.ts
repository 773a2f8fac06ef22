import { EtcdKeys, jobId, splitJobId } from '../etcd/etcd-keys';
import { isBroad } from '../scheduler/partitions';
import { DEPENDENCY_ONS, DependencyOn } from './dependencies/dependency.model';
import { JobSpec } from './job.model';

/**
 * The worker-side index keys of one job definition (docs/coordination.md, "Partitions"), written
 * in the same transaction as the definition: a workers' copy of a broad job (`broad/<id>`), and
 * one key per `after` edge (`children/<parent>/<child>`) telling whoever ends the parent's run
 * what to trigger. No I/O.
 */

/** What an edge key holds: the child's view of that parent, and every parent for fan-in. */
export interface EdgeValue {
  on: DependencyOn;
  /** Every parent of the child, by job id. */
  parents: string[];
  enabled: boolean;
}

type Indexed = Pick<JobSpec, 'target' | 'after' | 'enabled'>;

/** The index keys (full key → value) of job `id` stored as `value`; none for undefined. */
export function indexEntries(
  keys: EtcdKeys,
  id: string,
  spec: Indexed | undefined,
  value: string,
): Map<string, string> {
  const entries = new Map<string, string>();
  if (!spec) return entries;
  if (isBroad(spec.target)) entries.set(keys.broad(id), value);
  const { namespace } = splitJobId(id);
  const edges = new Map<string, DependencyOn>();
  for (const item of Array.isArray(spec.after) ? spec.after : []) {
    if (typeof item?.job !== 'string') continue;
    const parent = jobId(namespace, item.job);
    if (!edges.has(parent))
      edges.set(parent, DEPENDENCY_ONS.includes(item.on) ? item.on : 'succeeded');
  }
  const parents = [...edges.keys()];
  for (const [parent, on] of edges) {
    const edge: EdgeValue = { on, parents, enabled: spec.enabled !== false };
    entries.set(keys.childEdge(parent, id), JSON.stringify(edge));
  }
  return entries;
}

/** The puts and deletes that turn index keys `before` into `after`. */
export function indexChanges(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): { puts: [string, string][]; deletes: string[] } {
  const puts = [...after].filter(([key, value]) => before.get(key) !== value);
  const deletes = [...before.keys()].filter((key) => !after.has(key));
  return { puts, deletes };
}

/** A stored value's parse for `indexEntries`; undefined when it is not JSON. */
export function indexedOf(value: string): Indexed | undefined {
  try {
    const spec = JSON.parse(value) as unknown;
    return typeof spec === 'object' && spec !== null ? (spec as Indexed) : undefined;
  } catch {
    return undefined;
  }
}
