import { JOB_DEFAULTS, JobSpec } from './job.model';
import { buildSpec, isoInZone, nextFireTimes, specProblems } from './job-spec';

const TIMES = { createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-02T00:00:00.000Z' };

function spec(overrides: Partial<JobSpec> = {}): JobSpec {
  return {
    ...buildSpec('job', { command: 'true', cronExpr: '@daily' }, JOB_DEFAULTS, TIMES, 'standard'),
    ...overrides,
  };
}

describe('buildSpec', () => {
  it('fills the defaults for a new job', () => {
    expect(spec()).toEqual({
      ...JOB_DEFAULTS,
      name: 'job',
      command: 'true',
      cronExpr: '@daily',
      ...TIMES,
    });
  });

  it('merges nested objects one level, replaces maps, and ignores undefined fields', () => {
    const base = spec({
      retries: { max: 2, backoffSeconds: 5, factor: 3 },
      env: { A: '1' },
      target: { labels: { z: 'a' }, mode: 'all' },
    });
    const patched = buildSpec(
      'job',
      { retries: { max: 4 }, env: { B: '2' }, target: { mode: undefined }, description: undefined },
      { ...base, revision: 7 } as JobSpec,
      TIMES,
      'gorhill',
    );
    expect(patched.retries).toEqual({ max: 4, backoffSeconds: 5, factor: 3 });
    expect(patched.env).toEqual({ B: '2' });
    expect(patched.target).toEqual({ labels: { z: 'a' }, mode: 'all' });
    expect(patched.cronDialect).toBe('gorhill');
    expect(patched).not.toHaveProperty('revision');
  });

  it('keeps shell and stdin absent unless given, and a patch keeps the stored ones', () => {
    expect(spec()).not.toHaveProperty('shell');
    expect(spec()).not.toHaveProperty('stdin');
    const base = buildSpec(
      'job',
      { command: 'cat', cronExpr: '@daily', shell: '/bin/bash', stdin: 'a\n' },
      JOB_DEFAULTS,
      TIMES,
      'standard',
    );
    expect(base).toMatchObject({ shell: '/bin/bash', stdin: 'a\n' });
    const patched = buildSpec('job', { stdin: 'b\n' }, base, TIMES, 'standard');
    expect(patched).toMatchObject({ shell: '/bin/bash', stdin: 'b\n' });
  });

  it('keeps runAs absent unless given, and a patch keeps the stored one', () => {
    expect(spec()).not.toHaveProperty('runAs');
    const base = buildSpec(
      'job',
      { command: 'id', cronExpr: '@daily', runAs: 'backup:disk' },
      JOB_DEFAULTS,
      TIMES,
      'standard',
    );
    expect(base.runAs).toBe('backup:disk');
    expect(buildSpec('job', { enabled: false }, base, TIMES, 'standard').runAs).toBe('backup:disk');
  });
});

describe('specProblems', () => {
  const now = Date.parse('2026-06-01T00:00:00Z');

  it.each([
    [{ name: 'a/b' }, 'name'],
    [{ name: 'a..b' }, 'name'],
    [{ command: '' }, 'command'],
    [{ command: 'x'.repeat(64 * 1024 + 1) }, 'command'],
    [{ cronExpr: '* *' }, 'cronExpr'],
    [{ timezone: 'Nowhere/City' }, 'timezone'],
    [{ cronExpr: '0 0 1 1 * 2020', cronDialect: 'gorhill' as const }, 'cronExpr'],
    [{ shell: 'bash' }, 'shell'],
    [{ shell: '/bin/my shell' }, 'shell'],
    [{ stdin: 'x'.repeat(64 * 1024 + 1) }, 'stdin'],
    [{ runAs: 'alice:' }, 'runAs'],
    [{ runAs: '-alice' }, 'runAs'],
    [{ runAs: 'a:b:c' }, 'runAs'],
  ])('%j is refused on %s', (overrides, field) => {
    expect(specProblems(spec(overrides), now).map((problem) => problem.field)).toEqual([field]);
  });

  it('accepts a multi-byte command up to 64 KiB and a gorhill year in the future', () => {
    expect(specProblems(spec({ command: 'é'.repeat(32 * 1024) }), now)).toEqual([]);
    expect(specProblems(spec({ cronExpr: '0 0 1 1 * 2031', cronDialect: 'gorhill' }), now)).toEqual(
      [],
    );
  });
});

describe('nextFireTimes and isoInZone', () => {
  it('lists fire times in the job zone with its offset, across a DST change', () => {
    const job = spec({ cronExpr: '0 9 * * *', timezone: 'Europe/Berlin' });
    const times = nextFireTimes(job, Date.parse('2026-03-27T12:00:00Z'), 3).map((t) =>
      isoInZone(t, 'Europe/Berlin'),
    );
    expect(times).toEqual([
      '2026-03-28T09:00:00.000+01:00',
      '2026-03-29T09:00:00.000+02:00',
      '2026-03-30T09:00:00.000+02:00',
    ]);
  });

  it('writes UTC as Z and keeps half-hour offsets', () => {
    expect(isoInZone(Date.parse('2026-01-01T00:00:00.250Z'), 'UTC')).toBe(
      '2026-01-01T00:00:00.250Z',
    );
    expect(isoInZone(Date.parse('2026-01-01T00:00:00Z'), 'Asia/Kolkata')).toBe(
      '2026-01-01T05:30:00.000+05:30',
    );
    expect(isoInZone(Date.parse('2026-01-01T12:00:00Z'), 'America/St_Johns')).toBe(
      '2026-01-01T08:30:00.000-03:30',
    );
  });
});
