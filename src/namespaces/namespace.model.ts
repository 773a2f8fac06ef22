/**
 * A namespace as stored at `namespaces/<name>`. `default` exists without a stored value (its
 * settings are the defaults) until a cluster-admin stores one.
 */
export interface NamespaceSpec {
  name: string;
  description: string;
  /**
   * The workers the namespace's jobs may use: labels a worker must carry (`pool=team-a`).
   * Empty: any worker.
   */
  pool: Record<string, string>;
  /** Users the namespace's jobs may run as (`runAs`); root only when listed here explicitly. */
  runAsUsers: string[];
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

export interface StoredNamespace extends NamespaceSpec {
  revision: number;
}

export function defaultNamespaceSpec(name: string): StoredNamespace {
  const epoch = new Date(0).toISOString();
  return {
    name,
    description: '',
    pool: {},
    runAsUsers: [],
    createdAt: epoch,
    createdBy: 'system',
    updatedAt: epoch,
    revision: 0,
  };
}

/** Whether a worker with `labels` belongs to the pool. */
export function inPool(pool: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(pool).every(([key, value]) => labels[key] === value);
}

/**
 * The pool labels a job's target contradicts: a target label the pool fixes to another value.
 * A target that leaves a pool label out is narrowed by the pool (the worker must match both).
 */
export function poolConflicts(
  pool: Record<string, string>,
  target: Record<string, string>,
): string[] {
  return Object.entries(pool)
    .filter(([key, value]) => target[key] !== undefined && target[key] !== value)
    .map(([key]) => key);
}
