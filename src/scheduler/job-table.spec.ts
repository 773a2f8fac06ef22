import { catchupFloor, readEntry, readJob } from './job-table';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const spec = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    name: 'backup',
    command: 'true',
    cronExpr: '*/5 * * * * *',
    timezone: 'UTC',
    ...over,
  });

describe('readJob', () => {
  it('parses a stored job, fills missing defaults and parses its schedule', () => {
    const job = readJob('backup', spec(), 7, NOW)!;
    expect(job.revision).toBe(7);
    expect(job.schedule?.next(NOW)).toBe(NOW + 5000);
    expect(job.spec).toMatchObject({
      enabled: true,
      concurrencyPolicy: 'forbid',
      misfirePolicy: 'runOnce',
      target: { labels: {}, mode: 'one' },
      env: {},
    });
  });

  it('keeps a job whose schedule does not parse, without a schedule and with the reason', () => {
    const job = readJob('backup', spec({ cronExpr: 'every tuesday' }), 1, NOW)!;
    expect(job.schedule).toBeUndefined();
    expect(job.error).toMatch(/expected 5 fields/);
  });

  it('reads the gorhill dialect and the job time zone', () => {
    const job = readJob(
      'backup',
      spec({ cronExpr: '0 0 9 * * * *', cronDialect: 'gorhill', timezone: 'Asia/Tokyo' }),
      1,
      NOW,
    )!;
    expect(new Date(job.schedule!.next(NOW)!).toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });

  it('rejects values that are not this job', () => {
    expect(readJob('backup', 'not json', 1, NOW)).toBeUndefined();
    expect(readJob('backup', spec({ name: 'other' }), 1, NOW)).toBeUndefined();
    expect(readJob('backup', JSON.stringify({ name: 'backup' }), 1, NOW)).toBeUndefined();
  });
});

describe('catchupFloor', () => {
  it('is the last update time, when there is one', () => {
    expect(catchupFloor({ updatedAt: '2026-01-01T00:00:00Z' })).toBe(NOW);
    expect(catchupFloor({ updatedAt: '' })).toBeUndefined();
  });
});

describe('readEntry', () => {
  it('keeps the value and target only; the same target object for every untargeted job', () => {
    const a = readEntry('backup', spec(), 3)!;
    const b = readEntry('backup', spec(), 4)!;
    expect(a).toEqual({ value: spec(), revision: 3, target: { labels: {}, mode: 'one' } });
    expect(a.target).toBe(b.target);
  });

  it("keeps a targeted job's labels and mode, and refuses what is not a job", () => {
    const value = spec({ target: { labels: { zone: 'b' }, mode: 'all' } });
    expect(readEntry('backup', value, 1)?.target).toEqual({ labels: { zone: 'b' }, mode: 'all' });
    expect(readEntry('backup', 'not json', 1)).toBeUndefined();
    expect(readEntry('backup', spec({ name: 'other' }), 1)).toBeUndefined();
  });
});
