import { CronExpression, CronExpressionParser } from 'cron-parser';
import { parseDuration } from './duration';
import { spreadHashFields } from './hash-spread';
import { CronSyntaxError } from './schedule-error';
import { compileUtcCron, nextUtc, UtcCron } from './utc-cron';
import { MAX_YEAR, parseYearField } from './year-field';

/**
 * `standard`: 5 fields, or 6 with a leading seconds field (the v1 API).
 * `gorhill`: the original crontab's gorhill/cronexpr reading, where 6 fields are the standard 5
 * plus a year and 7 fields are `sec min hour dom month dow year`.
 */
export type CronDialect = 'standard' | 'gorhill';

export interface Schedule {
  readonly expr: string;
  readonly timezone: string;
  /** The first fire time strictly after `after` (epoch ms), or undefined when there is none. */
  next(after: number): number | undefined;
}

export { CronSyntaxError };

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MIN_EVERY_MS = 1000;

/**
 * Zones found valid so far. Each check builds an ICU formatter (tens of kilobytes of native
 * memory, and slow); a worker loading ten thousand jobs asked this ten thousand times about the
 * same few zones. Only valid names are kept, and there are a few hundred of those.
 */
const knownZones = new Set<string>(['UTC']);

export function isValidTimezone(timezone: string): boolean {
  if (knownZones.has(timezone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    return false;
  }
  knownZones.add(timezone);
  return true;
}

/** `@every 90s`: ticks at whole multiples of the interval since the epoch, the same on every worker. */
class EverySchedule implements Schedule {
  constructor(
    readonly expr: string,
    readonly timezone: string,
    private readonly intervalMs: number,
  ) {}

  next(after: number): number {
    return (Math.floor(after / this.intervalMs) + 1) * this.intervalMs;
  }
}

/** Zones that are UTC all year round: their schedules take the arithmetic path (utc-cron.ts). */
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT']);

class CronSchedule implements Schedule {
  /** Exactly one is set: the arithmetic form in UTC, else cron-parser's (other zones, `L`, `#`). */
  private readonly utc?: UtcCron;
  private readonly expression?: CronExpression;

  constructor(
    readonly expr: string,
    readonly timezone: string,
    form: CronForm,
    private readonly years?: Set<number>,
    /** Added to every tick (`H` in the seconds field spreads jobs within the second). */
    private readonly offsetMs = 0,
  ) {
    if ('utc' in form) this.utc = form.utc;
    else this.expression = form.expression;
  }

  private nextCron(after: number): number | undefined {
    const from = after - this.offsetMs;
    const next = this.utc ? nextUtc(this.utc, from) : this.nextZoned(from);
    return next === undefined ? undefined : next + this.offsetMs;
  }

  private nextZoned(from: number): number | undefined {
    try {
      this.expression?.reset(new Date(from));
      return this.expression?.next().getTime();
    } catch {
      return undefined;
    }
  }

  next(after: number): number | undefined {
    let candidate = this.nextCron(after);
    if (!this.years) return candidate;
    const last = Math.max(...this.years);
    // Only years in the set count; a whole-year jump keeps this loop short for sparse sets.
    while (candidate !== undefined) {
      const year = yearIn(candidate, this.timezone);
      if (year > last || year > MAX_YEAR) return undefined;
      if (this.years.has(year)) return candidate;
      const nextYear = [...this.years].filter((y) => y > year).sort((a, b) => a - b)[0];
      if (nextYear === undefined) return undefined;
      candidate = this.nextCron(startOfYear(nextYear, this.timezone) - 1);
    }
    return undefined;
  }
}

function yearIn(epochMs: number, timezone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: timezone, year: 'numeric' }).format(
    epochMs,
  );
  return Number(parts);
}

function startOfYear(year: number, timezone: string): number {
  // Midnight of 1 January in the zone: start from UTC and let the cron library find it.
  const probe = Date.UTC(year - 1, 11, 30);
  return CronExpressionParser.parse('0 0 0 1 1 *', { tz: timezone, currentDate: new Date(probe) })
    .next()
    .getTime();
}

/** A parsed cron expression: the arithmetic form in UTC when it has one, else cron-parser's. */
type CronForm = { utc: UtcCron } | { expression: CronExpression };

/**
 * UTC forms by expression. They are immutable, so jobs with the same (spread) fields share one:
 * a parse costs about 30 µs, and a worker taking over 100,000 jobs parses every one of them at
 * once. Bounded: cleared when full.
 */
const utcForms = new Map<string, UtcCron>();
const UTC_FORMS_MAX = 10_000;

function compileCron(fields: string, timezone: string): CronForm {
  const utc = UTC_ZONES.has(timezone);
  const known = utc ? utcForms.get(fields) : undefined;
  if (known) return { utc: known };
  const expression = parseCron(fields, timezone);
  const compiled = utc ? compileUtcCron(expression.fields) : undefined;
  if (!compiled) return { expression };
  if (utcForms.size >= UTC_FORMS_MAX) utcForms.clear();
  utcForms.set(fields, Object.freeze(compiled));
  return { utc: compiled };
}

function parseCron(fields: string, timezone: string): CronExpression {
  try {
    // An explicit start (every use resets it or reads only the fields): without one the parser
    // starts from luxon's local "now", whose zone name costs a new Intl.DateTimeFormat per parse
    // (0.15 ms; 100,000 jobs parsed on a worker's start-up blocked it for 15 s).
    return CronExpressionParser.parse(fields, { tz: timezone, strict: false, currentDate: 0 });
  } catch (error) {
    throw new CronSyntaxError((error as Error).message);
  }
}

/**
 * Parses a job's schedule. Throws CronSyntaxError with a human reason for malformed expressions,
 * unknown time zones, and expressions with no fire time after `now`.
 */
export function parseSchedule(
  expr: string,
  options: {
    timezone?: string;
    dialect?: CronDialect;
    now?: number;
    /** What `H` fields hash: the job's name, so each job keeps its own spread. */
    hashKey?: string;
  } = {},
): Schedule {
  const timezone = options.timezone ?? 'UTC';
  if (!isValidTimezone(timezone)) throw new CronSyntaxError(`unknown time zone "${timezone}"`);
  const text = expr.trim().replace(/\s+/g, ' ');
  if (text === '') throw new CronSyntaxError('expression is empty');
  const schedule = build(text, timezone, options.dialect ?? 'standard', options.hashKey ?? '');
  if (schedule.next(options.now ?? Date.now()) === undefined) {
    throw new CronSyntaxError('expression has no future fire time');
  }
  return schedule;
}

function build(text: string, timezone: string, dialect: CronDialect, hashKey: string): Schedule {
  if (text.startsWith('@every')) {
    const match = /^@every (\S+)$/.exec(text);
    const interval = match ? parseDuration(match[1]) : undefined;
    if (interval === undefined) {
      throw new CronSyntaxError('@every needs a duration such as 90s, 5m or 1h30m');
    }
    if (interval < MIN_EVERY_MS || interval % 1000 !== 0) {
      throw new CronSyntaxError('@every interval must be a whole number of seconds, at least 1s');
    }
    return new EverySchedule(text, timezone, interval);
  }
  if (text.startsWith('@')) {
    const fields = MACROS[text.toLowerCase()];
    if (!fields)
      throw new CronSyntaxError(
        `unknown macro ${text}; use ${Object.keys(MACROS).join(', ')} or @every`,
      );
    return new CronSchedule(text, timezone, compileCron(fields, timezone));
  }
  const fields = text.split(' ');
  if (dialect === 'gorhill' && (fields.length === 6 || fields.length === 7)) {
    const years = parseYearField(fields[fields.length - 1]);
    if (!years) throw new CronSyntaxError(`invalid year field "${fields[fields.length - 1]}"`);
    const rest = fields.slice(0, -1);
    const cron = (rest.length === 5 ? ['0', ...rest] : rest).join(' ');
    const everyYear = fields[fields.length - 1] === '*';
    return new CronSchedule(
      text,
      timezone,
      compileCron(cron, timezone),
      everyYear ? undefined : years,
    );
  }
  if (fields.length !== 5 && fields.length !== 6) {
    throw new CronSyntaxError(
      `expected 5 fields (min hour dom month dow) or 6 with leading seconds, got ${fields.length}`,
    );
  }
  const spread = spreadHashFields(fields, hashKey);
  const cron = compileCron(spread.fields.join(' '), timezone);
  return new CronSchedule(text, timezone, cron, undefined, spread.offsetMs);
}

/** The next `count` fire times after `after`, fewer when the schedule ends. */
export function upcoming(schedule: Schedule, after: number, count: number): number[] {
  const times: number[] = [];
  let cursor = after;
  while (times.length < count) {
    const next = schedule.next(cursor);
    if (next === undefined) break;
    times.push(next);
    cursor = next;
  }
  return times;
}
