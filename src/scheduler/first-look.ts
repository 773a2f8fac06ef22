import { TableJob } from './job-table';

/** A job whose next tick is further away than this is first looked at this long before it. */
export const FIRST_LOOK_AHEAD_MS = 60_000;
/** Ticks this recent may still be owed, or audited, whatever the job's catch-up window. */
export const RECENT_TICKS_MS = 15 * 60_000;

/**
 * When a job this worker just took (at start-up, or from a worker that left) is first looked at:
 * at once when it may owe a tick (one since its catch-up window, or the last quarter hour, began)
 * or fires within a minute; otherwise a minute before its next tick. Its mark is read at that
 * look, so a worker that starts into 100,000 jobs reads the marks of the ones that matter now
 * first instead of queueing them behind the marks of yearly jobs.
 */
export function firstLookAt(job: TableJob, now: number): number {
  const { spec, schedule } = job;
  if (!spec.enabled || !schedule) return now;
  const recentMs = Math.max(spec.catchupWindowSeconds * 1000, RECENT_TICKS_MS);
  const next = schedule.next(now - recentMs);
  if (next === undefined || next <= now + FIRST_LOOK_AHEAD_MS) return now;
  return next - FIRST_LOOK_AHEAD_MS;
}
