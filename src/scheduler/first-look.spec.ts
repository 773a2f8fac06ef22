import { JOB_DEFAULTS, JobSpec } from '../jobs/job.model';
import { FIRST_LOOK_AHEAD_MS, firstLookAt, RECENT_TICKS_MS } from './first-look';
import { readJob } from './job-table';

const NOW = Date.parse('2026-06-15T12:00:00Z');

const job = (cronExpr: string, over: Partial<JobSpec> = {}) =>
  readJob(
    'j',
    JSON.stringify({
      ...JOB_DEFAULTS,
      name: 'j',
      command: 'true',
      cronExpr,
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
      ...over,
    }),
    1,
    NOW,
  )!;

describe('firstLookAt', () => {
  it('looks at once at a job that fires within a minute', () => {
    expect(firstLookAt(job('* * * * * *'), NOW)).toBe(NOW);
    expect(firstLookAt(job('30 0 12 * * *'), NOW)).toBe(NOW);
  });

  it('looks at once at a job that may owe a tick of its catch-up window', () => {
    // 11:30 is inside the default one-hour window.
    expect(firstLookAt(job('30 11 * * *'), NOW)).toBe(NOW);
    // Outside a ten-minute window, but inside the last quarter hour (audited all the same).
    const tenMinutes = { catchupWindowSeconds: 600 };
    expect(firstLookAt(job('50 11 * * *', tenMinutes), NOW)).toBe(NOW);
    expect(firstLookAt(job('40 11 * * *', tenMinutes), NOW)).not.toBe(NOW);
    expect(RECENT_TICKS_MS).toBe(15 * 60_000);
  });

  it('looks a minute before the next tick of a job that owes nothing', () => {
    const yearly = firstLookAt(job('0 0 1 1 *'), NOW);
    expect(yearly).toBe(Date.parse('2027-01-01T00:00:00Z') - FIRST_LOOK_AHEAD_MS);
    expect(firstLookAt(job('0 18 * * *'), NOW)).toBe(
      Date.parse('2026-06-15T18:00:00Z') - FIRST_LOOK_AHEAD_MS,
    );
  });

  it('looks at once at a job that cannot fire (the look decides nothing is due)', () => {
    expect(firstLookAt(job('0 0 1 1 *', { enabled: false }), NOW)).toBe(NOW);
    expect(firstLookAt(job('not a cron'), NOW)).toBe(NOW);
  });
});
