import { Injectable } from '@nestjs/common';
import { splitJobId } from '../etcd/etcd-keys';
import { isRootName } from '../jobs/run-as';
import { ConfigRunAsPolicies } from './config-run-as-policies';
import { NamespaceRunAsPolicy, RunAsPolicies } from './run-as-policy';
import { DEFAULT_NAMESPACE } from '../namespaces/namespace';
import { NamespaceSpec } from '../namespaces/namespace.model';

/**
 * The namespaces as a worker watches them (`namespaces/<name>`): their worker pools, and the
 * users their jobs may run as (the default namespace's also from DEFAULT_NAMESPACE_RUN_AS_USERS).
 */
@Injectable()
export class NamespacePools implements RunAsPolicies {
  private pools = new Map<string, Record<string, string>>([[DEFAULT_NAMESPACE, {}]]);
  private runAs = new Map<string, string[]>();

  constructor(private readonly configured: ConfigRunAsPolicies) {}

  policyFor(namespace: string): NamespaceRunAsPolicy {
    const users = [
      ...new Set([
        ...(this.runAs.get(namespace) ?? []),
        ...this.configured.policyFor(namespace).runAsUsers,
      ]),
    ];
    return { runAsUsers: users, allowRoot: users.some(isRootName) };
  }

  /** The pool of a job's namespace (by job id); undefined when the namespace does not exist. */
  poolOf(jobId: string): Record<string, string> | undefined {
    return this.pools.get(splitJobId(jobId).namespace);
  }

  /** Every known namespace with its pool's labels. */
  get all(): ReadonlyMap<string, Record<string, string>> {
    return this.pools;
  }

  /** Takes the watched namespaces; returns the names whose pool (or existence) changed. */
  update(stored: ReadonlyMap<string, string>): Set<string> {
    const changed = new Set<string>();
    const pools = new Map<string, Record<string, string>>([[DEFAULT_NAMESPACE, {}]]);
    const runAs = new Map<string, string[]>();
    for (const [name, value] of stored) {
      try {
        const spec = JSON.parse(value) as Partial<NamespaceSpec>;
        pools.set(name, spec.pool ?? {});
        runAs.set(name, spec.runAsUsers ?? []);
      } catch {
        // Not readable: treated as absent, so none of its jobs run anywhere.
      }
    }
    for (const name of new Set([...pools.keys(), ...this.pools.keys()])) {
      if (JSON.stringify(pools.get(name)) !== JSON.stringify(this.pools.get(name)))
        changed.add(name);
    }
    this.pools = pools;
    this.runAs = runAs;
    return changed;
  }
}
