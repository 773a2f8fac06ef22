import { parseSchedule } from '../cron/schedule';
import { ticksInRange } from './backfill-ticks';

const iso = (ticks: number[]): string[] => ticks.map((t) => new Date(t).toISOString());

describe('ticksInRange', () => {
  it('includes both ends and keeps order', () => {
    const s = parseSchedule('*/10 * * * *', { now: 0 });
    const from = Date.parse('2026-01-01T00:00:00Z');
    const to = Date.parse('2026-01-01T00:30:00Z');
    expect(iso(ticksInRange(s, from, to, 10).ticks)).toEqual([
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:10:00.000Z',
      '2026-01-01T00:20:00.000Z',
      '2026-01-01T00:30:00.000Z',
    ]);
  });

  it('stops at the limit and says there are more', () => {
    const s = parseSchedule('* * * * *', { now: 0 });
    const from = Date.parse('2026-01-01T00:00:00Z');
    const result = ticksInRange(s, from, from + 10 * 60_000, 5);
    expect(result.ticks).toHaveLength(5);
    expect(result.more).toBe(true);
    const exact = ticksInRange(s, from, from + 4 * 60_000, 5);
    expect(exact).toEqual({ ticks: result.ticks, more: false });
  });

  it('computes in the job time zone: a daily 02:30 in New York across the spring gap', () => {
    const s = parseSchedule('30 2 * * *', { timezone: 'America/New_York', now: 0 });
    const result = ticksInRange(
      s,
      Date.parse('2026-03-07T00:00:00Z'),
      Date.parse('2026-03-09T12:00:00Z'),
      10,
    );
    expect(iso(result.ticks)).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-08T07:30:00.000Z', // the gap: 03:30 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
    ]);
  });

  it('steps evenly through both passes of the autumn overlap in Berlin', () => {
    const s = parseSchedule('0 */30 * * * *', { timezone: 'Europe/Berlin', now: 0 });
    const result = ticksInRange(
      s,
      Date.parse('2026-10-25T00:00:00Z'),
      Date.parse('2026-10-25T02:00:00Z'),
      10,
    );
    expect(iso(result.ticks)).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:00:00.000Z', // 02:00 CET
      '2026-10-25T01:30:00.000Z',
      '2026-10-25T02:00:00.000Z', // `to` is included
    ]);
  });

  it('gives nothing for an empty range', () => {
    const s = parseSchedule('0 0 1 1 *', { now: 0 });
    const from = Date.parse('2026-02-01T00:00:00Z');
    expect(ticksInRange(s, from, from + 86_400_000, 10)).toEqual({ ticks: [], more: false });
  });
});
