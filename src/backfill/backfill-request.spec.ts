import { JOB_DEFAULTS, JobSpec } from '../jobs/job.model';
import { checkBackfill } from './backfill-request';

const spec: JobSpec = {
  ...JOB_DEFAULTS,
  name: 'etl',
  command: 'true',
  cronExpr: '* * * * *',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};
const job = { id: 'etl', spec };
const now = Date.parse('2026-01-02T00:00:00Z');
const oldest = now - 30 * 86_400_000;
const range = { from: '2026-01-01T10:00:00Z', to: '2026-01-01T10:09:00Z' };

describe('checkBackfill', () => {
  it('enumerates the ticks and applies the defaults', () => {
    const result = checkBackfill(range, job, now, oldest);
    expect(result.problems).toEqual([]);
    expect(result.checked?.ticks).toHaveLength(10);
    expect(result.checked).toMatchObject({ concurrency: 1, ratePerSecond: 1 });
  });

  it('names the field of every problem', () => {
    const fields = (body: Record<string, unknown>): string[] =>
      checkBackfill(body, job, now, oldest).problems.map((p) => p.field);
    expect(fields({ to: range.to })).toEqual(['from']);
    expect(fields({ from: '2026-01-01 10:00', to: range.to })).toEqual(['from']);
    expect(fields({ from: '2026-01-01T10:00:00', to: range.to })).toEqual(['from']);
    expect(fields({ from: range.to, to: range.from })).toEqual(['from']);
    expect(fields({ from: range.from, to: '2026-01-03T00:00:00Z' })).toEqual(['to']);
    expect(fields({ from: '2025-01-01T00:00:00Z', to: range.to })).toEqual(['from']);
    expect(fields({ ...range, maxRuns: 0 })).toEqual(['maxRuns']);
    expect(fields({ ...range, maxRuns: 5 })).toEqual(['maxRuns']);
    expect(fields({ ...range, concurrency: 1.5 })).toEqual(['concurrency']);
    expect(fields({ ...range, ratePerSecond: '2' })).toEqual(['ratePerSecond']);
    expect(fields({ ...range, ratePerSecond: 0 })).toEqual(['ratePerSecond']);
  });

  it('a range holding exactly maxRuns ticks is accepted', () => {
    expect(checkBackfill({ ...range, maxRuns: 10 }, job, now, oldest).checked?.ticks).toHaveLength(
      10,
    );
  });

  it('refuses jobs it cannot backfill as unprocessable', () => {
    const all = { id: 'etl', spec: { ...spec, target: { labels: {}, mode: 'all' as const } } };
    expect(checkBackfill(range, all, now, oldest).unprocessable?.[0].field).toBe('target.mode');
    const none = { id: 'etl', spec: { ...spec, cronExpr: '' } };
    expect(checkBackfill(range, none, now, oldest).unprocessable?.[0].field).toBe('cronExpr');
    const yearly = { id: 'etl', spec: { ...spec, cronExpr: '0 0 1 6 *' } };
    expect(checkBackfill(range, yearly, now, oldest).unprocessable?.[0].field).toBe('from');
  });

  it('hashes H by the job id, as the workers do', () => {
    const h = { spec: { ...spec, cronExpr: 'H * * * *' } };
    const a = checkBackfill(
      { from: range.from, to: '2026-01-01T10:59:59Z' },
      { ...h, id: 'a' },
      now,
      oldest,
    );
    const b = checkBackfill(
      { from: range.from, to: '2026-01-01T10:59:59Z' },
      { ...h, id: 'team:a' },
      now,
      oldest,
    );
    expect(a.checked?.ticks).toHaveLength(1);
    expect(b.checked?.ticks).toHaveLength(1);
    expect(a.checked?.ticks[0]).not.toBe(b.checked?.ticks[0]);
  });
});
