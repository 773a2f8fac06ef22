import { parseDuration } from './duration';
import { CronSyntaxError, parseSchedule, upcoming } from './schedule';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number[]): string[] => ms.map((t) => new Date(t).toISOString());
const NOW = at('2026-01-01T00:00:00Z');

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['500ms', 500],
  ])('%s = %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['', '10', 's', '1x', '1h 30m', '-5s'])('rejects %j', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );
});

describe('parseSchedule', () => {
  it('reads 5 fields and 6 with leading seconds', () => {
    expect(iso(upcoming(parseSchedule('*/15 * * * *', { now: NOW }), NOW, 2))).toEqual([
      '2026-01-01T00:15:00.000Z',
      '2026-01-01T00:30:00.000Z',
    ]);
    expect(iso(upcoming(parseSchedule('*/5 * * * * *', { now: NOW }), NOW, 2))).toEqual([
      '2026-01-01T00:00:05.000Z',
      '2026-01-01T00:00:10.000Z',
    ]);
  });

  it('honours the time zone', () => {
    const schedule = parseSchedule('0 9 * * *', { timezone: 'Asia/Tokyo', now: NOW });
    // 09:00 in Tokyo is 00:00 UTC; NOW is exactly that instant, and next() is strictly after.
    expect(iso(upcoming(schedule, NOW, 2))).toEqual([
      '2026-01-02T00:00:00.000Z',
      '2026-01-03T00:00:00.000Z',
    ]);
  });

  it.each(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly'])('knows %s', (m) =>
    expect(parseSchedule(m, { now: NOW }).next(NOW)).toBeGreaterThan(NOW),
  );

  it('@every ticks on epoch multiples, identical on every worker', () => {
    const schedule = parseSchedule('@every 90s', { now: NOW });
    const first = schedule.next(NOW + 1)!;
    expect(first % 90_000).toBe(0);
    expect(schedule.next(first)).toBe(first + 90_000);
    expect(parseSchedule('@every 1h30m').next(0)).toBe(5_400_000);
  });

  it('reads the gorhill dialect: 7 fields with seconds and year, 6 fields with year', () => {
    const seven = parseSchedule('*/5 * * * * * *', { dialect: 'gorhill', now: NOW });
    expect(iso(upcoming(seven, NOW, 2))).toEqual([
      '2026-01-01T00:00:05.000Z',
      '2026-01-01T00:00:10.000Z',
    ]);
    const six = parseSchedule('0 12 1 1 * 2030', { dialect: 'gorhill', now: NOW });
    expect(iso(upcoming(six, NOW, 2))).toEqual(['2030-01-01T12:00:00.000Z']);
    const stepped = parseSchedule('0 0 0 1 1 * 2028-2040/4', { dialect: 'gorhill', now: NOW });
    expect(iso(upcoming(stepped, NOW, 2))).toEqual([
      '2028-01-01T00:00:00.000Z',
      '2032-01-01T00:00:00.000Z',
    ]);
  });

  it.each([
    ['', /empty/],
    ['* * *', /expected 5 fields/],
    ['* * * * * * *', /expected 5 fields/],
    ['61 * * * *', /./],
    ['0 0 30 2 *', /./],
    ['@sometimes', /unknown macro/],
    ['@every', /@every needs a duration/],
    ['@every 0s', /at least 1s/],
    ['@every 1500ms', /whole number of seconds/],
  ])('rejects %j', (expr, reason) => {
    expect(() => parseSchedule(expr, { now: NOW })).toThrow(CronSyntaxError);
    expect(() => parseSchedule(expr, { now: NOW })).toThrow(reason);
  });

  it('rejects expressions whose years are over', () => {
    expect(() => parseSchedule('0 0 1 1 * 2020', { dialect: 'gorhill', now: NOW })).toThrow(
      'no future fire time',
    );
  });

  it('rejects unknown time zones', () => {
    expect(() => parseSchedule('* * * * *', { timezone: 'Mars/Olympus' })).toThrow(
      'unknown time zone',
    );
  });
});

describe('parsed forms shared between jobs', () => {
  it('gives jobs with one expression the same fire times, and H fields still their own spread', () => {
    const a = parseSchedule('0 0 1 1 *', { now: NOW, hashKey: 'a' });
    const b = parseSchedule('0 0 1 1 *', { now: NOW, hashKey: 'b' });
    expect(upcoming(a, NOW, 3)).toEqual(upcoming(b, NOW, 3));
    const spread = ['job-1', 'job-2', 'job-3', 'job-4'].map(
      (hashKey) => upcoming(parseSchedule('H * * * *', { now: NOW, hashKey }), NOW, 1)[0],
    );
    expect(new Set(spread).size).toBeGreaterThan(1);
    // Parsed again (from the shared form): the same answers.
    expect(upcoming(parseSchedule('H * * * *', { now: NOW, hashKey: 'job-2' }), NOW, 1)[0]).toBe(
      spread[1],
    );
  });

  it('still rejects a bad expression after a good one was shared', () => {
    parseSchedule('*/5 * * * *', { now: NOW });
    expect(() => parseSchedule('*/5 * * * 9', { now: NOW })).toThrow(CronSyntaxError);
  });
});
