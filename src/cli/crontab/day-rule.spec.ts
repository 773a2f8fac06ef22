import { parseSchedule, upcoming } from '../../cron/schedule';
import { importCrontabs } from './to-jobs';

/** The days (UTC, `YYYY-MM-DD ddd`) an imported line fires on in June 2026. */
function daysOf(line: string): string[] {
  const result = importCrontabs([{ path: 'f', text: `${line}\n`, format: 'user' }], {
    workerUser: 'root',
    timezone: 'UTC',
  });
  expect(result.problems).toEqual([]);
  const start = Date.parse('2026-05-31T23:59:59Z');
  const schedule = parseSchedule(result.jobs[0].job.cronExpr, { timezone: 'UTC', now: start });
  return upcoming(schedule, start, 40)
    .filter((t) => t < Date.parse('2026-07-01T00:00:00Z'))
    .map((t) => {
      const d = new Date(t);
      return `${d.toISOString().slice(0, 10)} ${'SMTWTFS'[d.getUTCDay()]}`;
    });
}

// The imported expressions must fire on the days cron fires them (cron's day rule): the
// engine's reading is checked here, not assumed.
describe('cron’s day rule in imported jobs', () => {
  it('two restricted day fields: a day matching either fires (1st, 15th, and Fridays)', () => {
    expect(daysOf('0 12 1,15 * 5 run')).toEqual([
      '2026-06-01 M',
      '2026-06-05 F',
      '2026-06-12 F',
      '2026-06-15 M',
      '2026-06-19 F',
      '2026-06-26 F',
    ]);
  });

  it('*/1 beside a weekday (cron ANDs them: all days and Monday) fires on Mondays only', () => {
    expect(daysOf('30 6 */1 * 1 run')).toEqual([
      '2026-06-01 M',
      '2026-06-08 M',
      '2026-06-15 M',
      '2026-06-22 M',
      '2026-06-29 M',
    ]);
  });

  it('a weekday field covering the week beside a day of month fires on that day only', () => {
    expect(daysOf('0 0 10 * *,1 run')).toEqual(['2026-06-10 W']);
  });
});
