import type { CronFieldCollection } from 'cron-parser';

/**
 * Next fire times of a cron expression in UTC, computed with integer arithmetic from the fields
 * cron-parser parsed (so both read an expression the same way).
 *
 * Why: cron-parser walks its candidate date through luxon DateTimes, allocating a dozen objects
 * per step, and keeps two DateTimes and their locales per expression. With thousands of jobs
 * that walk was a quarter of a worker's allocations under load and a third of its per-job heap.
 * UTC has no DST, so the walk is plain arithmetic on seconds since the epoch; expressions with
 * `L` or `#`, and other time zones, stay with cron-parser.
 */
export interface UtcCron {
  /** Seconds and minutes: bits 0-29 and 30-59 in two words each. */
  readonly secondsLo: number;
  readonly secondsHi: number;
  readonly minutesLo: number;
  readonly minutesHi: number;
  /** Bit h for hour h, bit d for day d (1-31), bit m for month m (1-12), bit w for weekday w (0 = Sunday). */
  readonly hours: number;
  readonly days: number;
  readonly months: number;
  readonly weekdays: number;
  /** Cron's day rule: when both day fields are restricted, a day matching either one fires. */
  readonly daysRestricted: boolean;
  readonly weekdaysRestricted: boolean;
}

const DAY = 86_400;

/** Bit v - from for every numeric value v in [from, to) (`L` and the like are not numbers). */
function bitsOf(values: readonly (number | string)[], from = 0, to = 32): number {
  let bits = 0;
  for (const v of values) if (typeof v === 'number' && v >= from && v < to) bits |= 1 << (v - from);
  return bits;
}

/** Compiles parsed fields; undefined when they use `L` or `#`, which only cron-parser handles. */
export function compileUtcCron(fields: CronFieldCollection): UtcCron | undefined {
  const { second, minute, hour, dayOfMonth, month, dayOfWeek } = fields;
  if (dayOfMonth.hasLastChar || dayOfWeek.hasLastChar || dayOfWeek.nthDay > 0) return undefined;
  const [secondsLo, secondsHi] = [bitsOf(second.values, 0, 30), bitsOf(second.values, 30, 60)];
  const [minutesLo, minutesHi] = [bitsOf(minute.values, 0, 30), bitsOf(minute.values, 30, 60)];
  return {
    secondsLo,
    secondsHi,
    minutesLo,
    minutesHi,
    hours: bitsOf(hour.values),
    days: bitsOf(dayOfMonth.values),
    months: bitsOf(month.values),
    // Sunday is 0 or 7.
    weekdays: bitsOf(dayOfWeek.values, 0, 7) | (bitsOf(dayOfWeek.values, 7, 8) ? 1 : 0),
    daysRestricted: !dayOfMonth.isWildcard,
    weekdaysRestricted: !dayOfWeek.isWildcard,
  };
}

function has60(lo: number, hi: number, v: number): boolean {
  return v < 30 ? ((lo >>> v) & 1) === 1 : ((hi >>> (v - 30)) & 1) === 1;
}

/** The first value >= from set in the 60-bit field, or -1. */
function next60(lo: number, hi: number, from: number): number {
  for (let v = from; v < 60; v++) if (has60(lo, hi, v)) return v;
  return -1;
}

/** The first value >= from set in the mask, below `end`, or -1. */
function nextBit(bits: number, from: number, end: number): number {
  for (let v = from; v < end; v++) if ((bits >>> v) & 1) return v;
  return -1;
}

function dayMatches(cron: UtcCron, day: number, weekday: number): boolean {
  const onDay = ((cron.days >>> day) & 1) === 1;
  const onWeekday = ((cron.weekdays >>> weekday) & 1) === 1;
  if (cron.daysRestricted && cron.weekdaysRestricted) return onDay || onWeekday;
  if (cron.daysRestricted) return onDay;
  if (cron.weekdaysRestricted) return onWeekday;
  return true;
}

/** Days since the epoch of a civil date (proleptic Gregorian; month 1-12). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Year, month (1-12) and day of the given days since the epoch, packed as y * 10000 + m * 100 + d. */
function civilFromDays(days: number): number {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return year * 10_000 + month * 100 + day;
}

/**
 * The first fire time strictly after `after` (epoch ms), at a whole second; undefined when there
 * is none within `horizonYears`.
 */
export function nextUtc(cron: UtcCron, after: number, horizonYears = 10): number | undefined {
  let t = Math.floor(after / 1000) + 1;
  const limit = t + horizonYears * 366 * DAY;
  while (t < limit) {
    const days = Math.floor(t / DAY);
    const civil = civilFromDays(days);
    const year = Math.floor(civil / 10_000);
    const month = Math.floor(civil / 100) % 100;
    const day = civil % 100;
    if (((cron.months >>> month) & 1) === 0) {
      const next = nextBit(cron.months, month + 1, 13);
      t = (next < 0 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, next, 1)) * DAY;
      continue;
    }
    // 1970-01-01 was a Thursday.
    if (!dayMatches(cron, day, (((days + 4) % 7) + 7) % 7)) {
      t = (days + 1) * DAY;
      continue;
    }
    const ofDay = t - days * DAY;
    const hour = Math.floor(ofDay / 3600);
    if (((cron.hours >>> hour) & 1) === 0) {
      const next = nextBit(cron.hours, hour + 1, 24);
      t = next < 0 ? (days + 1) * DAY : days * DAY + next * 3600;
      continue;
    }
    const minute = Math.floor((ofDay % 3600) / 60);
    const hourStart = days * DAY + hour * 3600;
    if (!has60(cron.minutesLo, cron.minutesHi, minute)) {
      const next = next60(cron.minutesLo, cron.minutesHi, minute + 1);
      t = next < 0 ? hourStart + 3600 : hourStart + next * 60;
      continue;
    }
    const second = ofDay % 60;
    if (!has60(cron.secondsLo, cron.secondsHi, second)) {
      const next = next60(cron.secondsLo, cron.secondsHi, second + 1);
      t = next < 0 ? hourStart + (minute + 1) * 60 : hourStart + minute * 60 + next;
      continue;
    }
    return t * 1000;
  }
  return undefined;
}
