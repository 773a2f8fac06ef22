import { createHash } from 'node:crypto';
import { JobTarget } from '../jobs/job.model';

/** The part of a worker's registration that ownership depends on. */
export interface OwnerCandidate {
  id: string;
  labels: Record<string, string>;
}

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
 * Whether `self` schedules the job: for target mode `all` every matching live worker does (each
 * with its own high-water mark); for mode `one` only the rendezvous owner.
 */
export function schedulesJob(
  self: OwnerCandidate,
  job: string,
  target: JobTarget,
  workers: Iterable<OwnerCandidate>,
): boolean {
  if (target.mode === 'all') return labelsMatch(target.labels, self.labels);
  return ownerOf(job, target, workers) === self.id;
}
