import { MisfirePolicy } from '../jobs/job.model';
import { Schedule } from '../cron/schedule';

/** How a due tick is fired: on time (`schedule`) or as the catch-up of a misfire (`catchup`). */
export interface PlannedFire {
  tick: number;
  trigger: 'schedule' | 'catchup';
}

/** Ticks the worker passed over; recorded as `missed`, one record per tick. */
export interface MissedTicks {
  ticks: number[];
  /** Further missed ticks not listed one by one (before the catch-up window or over a cap). */
  more?: { count: number; atLeast: boolean; first: number; last: number; reason: string };
}

export interface TickPlan {
  fire: PlannedFire[];
  missed: MissedTicks;
  /** The highest tick the plan covers: the high-water mark after it is carried out. */
  advanceTo?: number;
  /** True when the scan stopped at its cap; the caller plans again from `advanceTo`. */
  partial: boolean;
}

export interface TickPlanInput {
  schedule: Pick<Schedule, 'next'>;
  /** The job's high-water mark: every tick at or before it has been handled. */
  cursor: number;
  now: number;
  policy: MisfirePolicy;
  /** A tick later than this is a misfire and goes through the misfire policy. */
  thresholdMs: number;
  /** Misfired ticks older than this are never run, only recorded as missed. */
  catchupWindowMs: number;
  /** runAll fires at most this many misfired ticks (the latest), the rest are missed. */
  maxCatchup: number;
  /** Missed ticks recorded one by one at most; the rest go into one summary record. */
  maxMissedRecords: number;
  /** At most this many ticks are enumerated per plan. */
  maxScan: number;
  /**
   * Ticks due within this many ms after `now` are planned too (claimed ahead, started on time by
   * the executor), so the claim's round trip is not part of a tick's lateness. Default 0.
   */
  leadMs?: number;
}

/**
 * Decides what to do with the ticks in (cursor, now + leadMs]: on-time ticks fire; misfired ones follow the
 * job's policy. `skip` records them as missed, `runOnce` fires the latest of them as a catch-up,
 * `runAll` fires each of them (within the catch-up window, capped). Pure: same input, same plan.
 */
export function planTicks(input: TickPlanInput): TickPlan {
  const { schedule, cursor, now } = input;
  const horizon = now + (input.leadMs ?? 0);
  const windowStart = now - input.catchupWindowMs;
  const missed: MissedTicks = { ticks: [] };
  let first = schedule.next(cursor);
  if (first === undefined || first > horizon) return { fire: [], missed, partial: false };

  // Ticks before the catch-up window are not enumerated one by one: they only count as missed.
  if (first <= windowStart) {
    const last = lastTickAtOrBefore(schedule, first, windowStart, input.maxScan);
    missed.more = {
      count: last.count,
      atLeast: last.capped,
      first,
      last: last.tick,
      reason: 'before the catch-up window',
    };
    if (last.capped) return { fire: [], missed, advanceTo: last.tick, partial: true };
    first = schedule.next(last.tick);
  }

  const due: number[] = [];
  let partial = false;
  for (let tick = first; tick !== undefined && tick <= horizon; tick = schedule.next(tick)) {
    if (due.length >= input.maxScan) {
      partial = true;
      break;
    }
    due.push(tick);
  }
  const late = due.filter((tick) => now - tick > input.thresholdMs);
  const onTime = due.filter((tick) => now - tick <= input.thresholdMs);

  let caughtUp: number[] = [];
  if (!partial) {
    if (input.policy === 'runOnce' && late.length > 0) caughtUp = [late[late.length - 1]];
    if (input.policy === 'runAll') caughtUp = late.slice(-input.maxCatchup);
  }
  const skipped = late.filter((tick) => !caughtUp.includes(tick));
  addMissed(missed, skipped, input.maxMissedRecords, `misfire policy ${input.policy}`);

  const fire: PlannedFire[] = [
    ...caughtUp.map((tick) => ({ tick, trigger: 'catchup' as const })),
    ...(partial ? [] : onTime.map((tick) => ({ tick, trigger: 'schedule' as const }))),
  ];
  const covered = partial ? late : due;
  const advanceTo = covered.length > 0 ? covered[covered.length - 1] : missed.more?.last;
  return { fire, missed, advanceTo, partial };
}

function lastTickAtOrBefore(
  schedule: Pick<Schedule, 'next'>,
  first: number,
  bound: number,
  maxScan: number,
): { tick: number; count: number; capped: boolean } {
  let tick = first;
  let count = 1;
  for (;;) {
    const next = schedule.next(tick);
    if (next === undefined || next > bound) return { tick, count, capped: false };
    if (count >= maxScan) return { tick, count, capped: true };
    tick = next;
    count += 1;
  }
}

function addMissed(missed: MissedTicks, ticks: number[], max: number, reason: string): void {
  const listed = ticks.slice(-max);
  const rest = ticks.slice(0, ticks.length - listed.length);
  missed.ticks.push(...listed);
  if (rest.length === 0) return;
  const before = missed.more;
  missed.more = {
    count: (before?.count ?? 0) + rest.length,
    atLeast: before?.atLeast ?? false,
    first: before?.first ?? rest[0],
    last: rest[rest.length - 1],
    reason: before ? `${before.reason}; ${reason}` : reason,
  };
}
