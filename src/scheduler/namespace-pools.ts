import { splitJobId } from '../etcd/etcd-keys';
import { DEFAULT_NAMESPACE } from '../namespaces/namespace';
import { NamespaceSpec } from '../namespaces/namespace.model';

/** The worker pools of the namespaces, as a worker watches them (`namespaces/<name>`). */
export class NamespacePools {
  private pools = new Map<string, Record<string, string>>([[DEFAULT_NAMESPACE, {}]]);

  /** The pool of a job's namespace (by job id); undefined when the namespace does not exist. */
  poolOf(jobId: string): Record<string, string> | undefined {
    return this.pools.get(splitJobId(jobId).namespace);
  }

  /** Takes the watched namespaces; returns the names whose pool (or existence) changed. */
  update(stored: ReadonlyMap<string, string>): Set<string> {
    const changed = new Set<string>();
    const pools = new Map<string, Record<string, string>>([[DEFAULT_NAMESPACE, {}]]);
    for (const [name, value] of stored) {
      try {
        pools.set(name, (JSON.parse(value) as Partial<NamespaceSpec>).pool ?? {});
      } catch {
        // Not readable: treated as absent, so none of its jobs run anywhere.
      }
    }
    for (const name of new Set([...pools.keys(), ...this.pools.keys()])) {
      if (JSON.stringify(pools.get(name)) !== JSON.stringify(this.pools.get(name)))
        changed.add(name);
    }
    this.pools = pools;
    return changed;
  }
}
