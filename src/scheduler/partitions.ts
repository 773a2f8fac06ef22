import { SLOTS, slotOf, splitJobId } from '../etcd/etcd-keys';
import { JobTarget } from '../jobs/job.model';
import { JobRole, OwnerCandidate, ownerOf, roleOf } from './ownership';

/**
 * Partitions (docs/coordination.md, "Partitions"): a job's partition is its namespace and slot,
 * `<namespace>/<slot>`, which is also where its definition lives (`specs/<namespace>/<slot>/`).
 * Workers own partitions, not single jobs, so a worker reads and keeps only the definitions of
 * the partitions it holds. Jobs that partition ownership cannot serve (their own target labels,
 * or target mode `all`) are "broad": every worker reads them from the `broad/` index and owns
 * them job by job, as before. No I/O here.
 */

export function partitionOf(namespace: string, name: string): string {
  return `${namespace}/${slotOf(namespace, name)}`;
}

export function partitionOfJob(id: string): string {
  const { namespace, name } = splitJobId(id);
  return partitionOf(namespace, name);
}

/** Namespace and slot of a partition name. */
export function splitPartition(partition: string): { namespace: string; slot: string } {
  const at = partition.lastIndexOf('/');
  return { namespace: partition.slice(0, at), slot: partition.slice(at + 1) };
}

/** Every partition of a namespace, in key order. */
export function partitionsOfNamespace(namespace: string): string[] {
  return Array.from(
    { length: SLOTS },
    (_, slot) => `${namespace}/${slot.toString(16).padStart(2, '0')}`,
  );
}

/** A job its partition's holder cannot simply own: it has target labels of its own, or mode `all`. */
export function isBroad(target: Partial<JobTarget> | undefined): boolean {
  return target?.mode === 'all' || Object.keys(target?.labels ?? {}).length > 0;
}

/** `isBroad` of a stored value, without keeping the parse; false when it is not JSON. */
export function isBroadValue(value: string): boolean {
  // Most jobs carry the default target: skip their parse.
  if (!value.includes('"target"')) return false;
  try {
    return isBroad((JSON.parse(value) as { target?: Partial<JobTarget> }).target);
  } catch {
    return false;
  }
}

/** The name rendezvous hashing weighs for a job: its partition's, or its own when it is broad. */
export function schedulingKey(id: string, target: Partial<JobTarget> | undefined): string {
  return isBroad(target) ? id : partitionOfJob(id);
}

/** The worker that schedules a job of target mode `one` (see `ownerOf`), by partition. */
export function jobOwner(
  id: string,
  target: Pick<JobTarget, 'labels'> & Partial<JobTarget>,
  workers: Iterable<OwnerCandidate>,
): string | undefined {
  return ownerOf(schedulingKey(id, target), target, workers);
}

/**
 * The partitions `self` holds, and how: as owner, or as helper of a saturated owner. Each
 * namespace's 256 partitions go by rendezvous among the live workers that carry its pool's
 * labels, the same on every worker that sees the same membership and pools.
 */
export function heldPartitions(
  self: OwnerCandidate,
  pools: ReadonlyMap<string, Record<string, string>>,
  workers: readonly OwnerCandidate[],
): Map<string, JobRole> {
  const held = new Map<string, JobRole>();
  for (const [namespace, labels] of pools) {
    const target: JobTarget = { labels, mode: 'one' };
    for (const partition of partitionsOfNamespace(namespace)) {
      const role = roleOf(self, partition, target, workers);
      if (role) held.set(partition, role);
    }
  }
  return held;
}
