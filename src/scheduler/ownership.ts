import { createHash } from 'node:crypto';
import { JobTarget } from '../jobs/job.model';

/** The part of a worker's registration that ownership depends on. */
export interface OwnerCandidate {
  id: string;
  labels: Record<string, string>;
  /** The worker has ticks waiting for a free slot (docs/coordination.md, "Work moves"). */
  saturated?: boolean;
}

/**
 * How a worker schedules a job: as its `owner`, or as the `helper` of a saturated owner, which
 * claims only the ticks the owner leaves waiting (both compare-and-swap the same mark).
 */
export type JobRole = 'owner' | 'helper';

/**
 * A helper claims a tick (or consumes a trigger) only once it is this late: until then it is the
 * owner's, so the two rarely race for the same mark.
 */
export const HELP_AFTER_MS = 1000;

/** A worker may run a job when it carries every label the job's target asks for. */
export function labelsMatch(
  required: Record<string, string>,
  labels: Record<string, string>,
): boolean {
  return Object.entries(required).every(([key, value]) => labels[key] === value);
}

/** Rendezvous weight of (worker, job): a 48-bit slice of a SHA-1, the same on every worker. */
export function rendezvousWeight(workerId: string, job: string): number {
  return createHash('sha1').update(`${workerId}\n${job}`).digest().readUIntBE(0, 6);
}

/**
 * The worker that schedules `job` (target mode `one`): the highest rendezvous weight among live
 * workers whose labels match. Adding or removing a worker moves only the jobs it wins or held.
 * Undefined when no worker matches.
 */
export function ownerOf(
  job: string,
  target: Pick<JobTarget, 'labels'>,
  workers: Iterable<OwnerCandidate>,
): string | undefined {
  let best: { id: string; weight: number } | undefined;
  for (const worker of workers) {
    if (!labelsMatch(target.labels, worker.labels)) continue;
    const weight = rendezvousWeight(worker.id, job);
    if (!best || weight > best.weight || (weight === best.weight && worker.id > best.id)) {
      best = { id: worker.id, weight };
    }
  }
  return best?.id;
}

/**
 * The owner of `job` and, while the owner is saturated, its helper: the highest rendezvous weight
 * among the matching workers that are not saturated. The same on every worker that sees the same
 * membership, so one worker helps with each job.
 */
export function ownerAndHelper(
  job: string,
  target: Pick<JobTarget, 'labels'>,
  workers: Iterable<OwnerCandidate>,
): { owner?: string; helper?: string } {
  let owner: { worker: OwnerCandidate; weight: number } | undefined;
  let helper: { worker: OwnerCandidate; weight: number } | undefined;
  const better = (weight: number, id: string, than?: { worker: OwnerCandidate; weight: number }) =>
    !than || weight > than.weight || (weight === than.weight && id > than.worker.id);
  for (const worker of workers) {
    if (!labelsMatch(target.labels, worker.labels)) continue;
    const weight = rendezvousWeight(worker.id, job);
    if (better(weight, worker.id, owner)) owner = { worker, weight };
    if (!worker.saturated && better(weight, worker.id, helper)) helper = { worker, weight };
  }
  if (!owner) return {};
  const helped = owner.worker.saturated && helper !== undefined;
  return { owner: owner.worker.id, helper: helped ? helper?.worker.id : undefined };
}

/**
 * How `self` schedules the job, if at all: for target mode `all` every matching live worker owns
 * it (each with its own high-water mark, never helped); for mode `one` the rendezvous owner, and
 * the helper while the owner is saturated.
 */
export function roleOf(
  self: OwnerCandidate,
  job: string,
  target: JobTarget,
  workers: Iterable<OwnerCandidate>,
): JobRole | undefined {
  if (target.mode === 'all') return labelsMatch(target.labels, self.labels) ? 'owner' : undefined;
  const { owner, helper } = ownerAndHelper(job, target, workers);
  if (owner === self.id) return 'owner';
  return helper === self.id ? 'helper' : undefined;
}
