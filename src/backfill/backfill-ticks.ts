import { Schedule } from '../cron/schedule';

/**
 * The ticks of `schedule` in `[from, to]` (epoch ms, both inclusive), oldest first, at most
 * `limit`; `more` says the range holds more than that. The schedule computes in the job's time
 * zone, so DST gaps and overlaps give the same ticks the workers fire.
 */
export function ticksInRange(
  schedule: Schedule,
  from: number,
  to: number,
  limit: number,
): { ticks: number[]; more: boolean } {
  const ticks: number[] = [];
  let cursor = from - 1;
  for (;;) {
    const next = schedule.next(cursor);
    if (next === undefined || next > to) return { ticks, more: false };
    if (ticks.length === limit) return { ticks, more: true };
    ticks.push(next);
    cursor = next;
  }
}
