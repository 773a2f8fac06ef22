import { KillRequest, WorkerInfo } from '../workers/worker.model';
import { OwnerCandidate } from './ownership';

/**
 * The live workers from the `workers/` registrations (id → WorkerInfo JSON). A registration that
 * is not JSON is left out and named in `unreadable`.
 */
export function readMembership(registrations: ReadonlyMap<string, string>): {
  workers: OwnerCandidate[];
  unreadable: string[];
} {
  const workers: OwnerCandidate[] = [];
  const unreadable: string[] = [];
  for (const [id, value] of registrations) {
    try {
      const info = JSON.parse(value) as WorkerInfo;
      workers.push({ id, labels: info.labels ?? {}, saturated: info.saturated === true });
    } catch {
      unreadable.push(id);
    }
  }
  return { workers, unreadable };
}

/** Who a kill request (`kill/<target>` value, KillRequest JSON or anything) says asked for it. */
export function killReason(value: string): string {
  try {
    const request = JSON.parse(value) as KillRequest;
    if (request.requestedBy) return `kill requested by ${request.requestedBy}`;
  } catch {
    // The key itself is the request.
  }
  return 'a kill request';
}
