import { parseSchedule, upcoming } from './schedule';

/**
 * Daylight-saving behaviour of job schedules, pinned for two zones (see docs/coordination.md):
 * - Spring gap: a time-of-day that does not exist that night fires once, one hour later on the
 *   wall clock (02:30 → 03:30); patterns that step through the hour (hourly, every N minutes)
 *   simply have no ticks in the missing hour.
 * - Autumn overlap: a fixed time-of-day inside the repeated hour fires once, at its first
 *   occurrence (still summer time); patterns that step through the hour fire in both passes, so
 *   ticks stay evenly spaced in real time.
 * Every tick is a distinct instant, so the claim's high-water mark (epoch ms) never repeats.
 */
const ticks = (expr: string, timezone: string, from: string, count: number): string[] => {
  const now = Date.parse(from);
  return upcoming(parseSchedule(expr, { timezone, now }), now, count).map((t) =>
    new Date(t).toISOString(),
  );
};

describe('DST: America/New_York (2026: gap 8 March 02:00→03:00, overlap 1 November 02:00→01:00)', () => {
  const tz = 'America/New_York';

  it('gap: a daily 02:30 fires once, at 03:30 EDT, then at 02:30 again', () => {
    expect(ticks('30 2 * * *', tz, '2026-03-07T12:00:00Z', 3)).toEqual([
      '2026-03-08T07:30:00.000Z', // 03:30 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('gap: hourly skips the missing 02:00; ticks stay one real hour apart', () => {
    expect(ticks('0 * * * *', tz, '2026-03-08T05:30:00Z', 3)).toEqual([
      '2026-03-08T06:00:00.000Z', // 01:00 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT
      '2026-03-08T08:00:00.000Z', // 04:00 EDT
    ]);
  });

  it('overlap: a daily 01:30 fires once, at the first 01:30 (EDT)', () => {
    expect(ticks('30 1 * * *', tz, '2026-10-31T12:00:00Z', 2)).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT; the second 01:30 (EST, 06:30Z) does not fire
      '2026-11-02T06:30:00.000Z', // 01:30 EST
    ]);
  });

  it('overlap: every 30 minutes fires through both passes of the repeated hour', () => {
    expect(ticks('*/30 * * * *', tz, '2026-11-01T04:45:00Z', 6)).toEqual([
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T05:30:00.000Z', // 01:30 EDT
      '2026-11-01T06:00:00.000Z', // 01:00 EST
      '2026-11-01T06:30:00.000Z', // 01:30 EST
      '2026-11-01T07:00:00.000Z', // 02:00 EST
      '2026-11-01T07:30:00.000Z',
    ]);
  });
});

describe('DST: Europe/Berlin (2026: gap 29 March 02:00→03:00, overlap 25 October 03:00→02:00)', () => {
  const tz = 'Europe/Berlin';

  it('gap: a daily 02:30 fires once, at 03:30 CEST; 02:00 fires at 03:00', () => {
    expect(ticks('30 2 * * *', tz, '2026-03-28T12:00:00Z', 2)).toEqual([
      '2026-03-29T01:30:00.000Z', // 03:30 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
    expect(ticks('0 2 * * *', tz, '2026-03-28T12:00:00Z', 1)).toEqual(['2026-03-29T01:00:00.000Z']);
  });

  it('overlap: a daily 02:30 fires once, at the first 02:30 (CEST)', () => {
    expect(ticks('30 2 * * *', tz, '2026-10-24T12:00:00Z', 2)).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST; the second 02:30 (CET, 01:30Z) does not fire
      '2026-10-26T01:30:00.000Z', // 02:30 CET
    ]);
  });

  it('overlap: hourly fires at both 02:00s, one real hour apart', () => {
    expect(ticks('0 * * * *', tz, '2026-10-24T23:30:00Z', 4)).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET
      '2026-10-25T02:00:00.000Z', // 03:00 CET
      '2026-10-25T03:00:00.000Z',
    ]);
  });

  it('@every ignores zones and DST: fixed real-time intervals from the epoch', () => {
    const every = ticks('@every 1h', tz, '2026-10-24T23:30:00Z', 3);
    expect(every).toEqual([
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T02:00:00.000Z',
    ]);
  });
});
