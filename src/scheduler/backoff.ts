import { RetryPolicy } from '../jobs/job.model';

const MAX_BACKOFF_MS = 3_600_000;

/**
 * Delay before attempt `attempt` (2 = the first retry): backoffSeconds × factor^(attempt − 2),
 * capped at one hour. Undefined when the policy allows no such attempt.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number | undefined {
  if (attempt < 2 || attempt - 1 > policy.max) return undefined;
  const factor = Math.max(1, policy.factor);
  const delay = Math.max(0, policy.backoffSeconds) * 1000 * factor ** (attempt - 2);
  return Math.min(MAX_BACKOFF_MS, Math.round(delay));
}
