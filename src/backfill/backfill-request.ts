import { parseSchedule } from '../cron/schedule';
import { FieldProblem } from '../jobs/domain-error';
import { JobSpec } from '../jobs/job.model';
import { BACKFILL_LIMITS } from './backfill.model';
import { ticksInRange } from './backfill-ticks';

/** The body of `POST .../jobs/{name}/backfill`, as sent. */
export interface BackfillRequest {
  from?: unknown;
  to?: unknown;
  maxRuns?: unknown;
  concurrency?: unknown;
  ratePerSecond?: unknown;
}

export interface CheckedBackfill {
  from: number;
  to: number;
  ticks: number[];
  concurrency: number;
  ratePerSecond: number;
}

/** ISO 8601 with a date, a time and an offset (`Z` or `+02:00`): no guessing of zones. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

function isoTime(value: unknown, field: string, problems: FieldProblem[]): number | undefined {
  const time = typeof value === 'string' && ISO_TIME.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(time)) {
    problems.push({
      field,
      reason: 'must be an ISO 8601 time with an offset, e.g. 2026-03-01T09:00:00Z',
    });
    return undefined;
  }
  return time;
}

function numberIn(
  value: unknown,
  field: string,
  bounds: { min: number; max: number; fallback: number; integer: boolean },
  problems: FieldProblem[],
): number {
  if (value === undefined) return bounds.fallback;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= bounds.min &&
    value <= bounds.max &&
    (!bounds.integer || Number.isInteger(value));
  if (!ok)
    problems.push({
      field,
      reason: `must be ${bounds.integer ? 'an integer' : 'a number'} from ${bounds.min} to ${bounds.max}`,
    });
  return ok ? value : bounds.fallback;
}

/**
 * Checks a backfill request against the job (its id is the schedule's hash key, as on the
 * workers) and the clock: every problem names its field. `oldestMs` is the oldest time whose run
 * records retention still keeps.
 */
export function checkBackfill(
  request: BackfillRequest,
  job: { id: string; spec: JobSpec },
  now: number,
  oldestMs: number,
): { problems: FieldProblem[]; checked?: CheckedBackfill; unprocessable?: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const L = BACKFILL_LIMITS;
  const from = isoTime(request.from, 'from', problems);
  const to = isoTime(request.to, 'to', problems);
  const maxRuns = numberIn(
    request.maxRuns,
    'maxRuns',
    { min: 1, max: L.maxRunsMax, fallback: L.maxRunsDefault, integer: true },
    problems,
  );
  const concurrency = numberIn(
    request.concurrency,
    'concurrency',
    { min: 1, max: L.concurrencyMax, fallback: L.concurrencyDefault, integer: true },
    problems,
  );
  const ratePerSecond = numberIn(
    request.ratePerSecond,
    'ratePerSecond',
    { min: L.rateMin, max: L.rateMax, fallback: L.rateDefault, integer: false },
    problems,
  );
  if (from !== undefined && to !== undefined && from > to)
    problems.push({ field: 'from', reason: 'must not be after to' });
  if (to !== undefined && to > now)
    problems.push({ field: 'to', reason: 'must not be in the future' });
  if (from !== undefined && from < oldestMs)
    problems.push({
      field: 'from',
      reason: `must not be before ${new Date(oldestMs).toISOString()}: older run records are deleted by retention, so ticks that ran could not be told apart`,
    });
  if (problems.length > 0 || from === undefined || to === undefined) return { problems };
  const unprocessable: FieldProblem[] = [];
  if (job.spec.target.mode === 'all')
    unprocessable.push({
      field: 'target.mode',
      reason: 'a job of target mode all has a schedule per worker and cannot be backfilled',
    });
  let schedule;
  try {
    schedule = parseSchedule(job.spec.cronExpr, {
      timezone: job.spec.timezone,
      dialect: job.spec.cronDialect,
      now: from - 1,
      hashKey: job.id,
    });
  } catch {
    schedule = undefined;
  }
  if (!schedule) {
    unprocessable.push({
      field: 'cronExpr',
      reason: 'the job has no schedule that fires in the range',
    });
    return { problems, unprocessable };
  }
  const { ticks, more } = ticksInRange(schedule, from, to, maxRuns);
  if (more)
    problems.push({
      field: 'maxRuns',
      reason: `the range holds more than ${maxRuns} ticks; narrow it or raise maxRuns (at most ${L.maxRunsMax})`,
    });
  else if (ticks.length === 0)
    unprocessable.push({ field: 'from', reason: "the job's schedule has no tick in the range" });
  if (unprocessable.length > 0 || problems.length > 0) return { problems, unprocessable };
  return { problems, checked: { from, to, ticks, concurrency, ratePerSecond } };
}
