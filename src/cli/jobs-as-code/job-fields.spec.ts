import { parse } from 'yaml';
import { renderJobs } from './export';
import { ApiJob, diffJobs, fileFields, formatChange } from './job-fields';

const STORED: ApiJob = {
  revision: 12,
  updatedAt: '2026-01-01T00:00:00.000Z',
  createdAt: '2026-01-01T00:00:00.000Z',
  managedBy: 'git:x',
  cronDialect: 'standard',
  env: { B: '2', A: '1' },
  alerts: { onTimeout: true, onFailure: false },
  target: { mode: 'one', labels: { zone: 'b', az: 'a' } },
  retries: { factor: 2, max: 1, backoffSeconds: 10 },
  catchupWindowSeconds: 3600,
  misfirePolicy: 'runOnce',
  concurrencyPolicy: 'forbid',
  timeoutSeconds: 0,
  enabled: true,
  timezone: 'UTC',
  cronExpr: '@daily',
  command: 'echo hi',
  labels: {},
  description: '',
  name: 'job-a',
};

describe('job fields of files', () => {
  it('keeps file fields in a fixed order, maps sorted, server fields and empty labels out', () => {
    const fields = fileFields(STORED);
    expect(Object.keys(fields)).toEqual([
      'name',
      'description',
      'command',
      'cronExpr',
      'timezone',
      'enabled',
      'timeoutSeconds',
      'concurrencyPolicy',
      'misfirePolicy',
      'catchupWindowSeconds',
      'retries',
      'target',
      'env',
      'alerts',
    ]);
    expect(Object.keys(fields.env as object)).toEqual(['A', 'B']);
    expect(fields.retries).toEqual({ max: 1, backoffSeconds: 10, factor: 2 });
    expect(Object.keys(fields.retries as object)).toEqual(['max', 'backoffSeconds', 'factor']);
    expect(Object.keys(fields.target as object)).toEqual(['labels', 'mode']);
    expect(Object.keys((fields.target as { labels: object }).labels)).toEqual(['az', 'zone']);
  });

  it('renders the same bytes whatever order the jobs and their keys come in', () => {
    const other: ApiJob = { ...STORED, name: 'job-b', command: 'multi\nline\n' };
    const reordered = Object.fromEntries(Object.entries(STORED).reverse()) as ApiJob;
    const text = renderJobs([other, STORED], 'yaml');
    expect(renderJobs([reordered, other], 'yaml')).toBe(text);
    expect(text.split('---\n')).toHaveLength(2);
    expect(parse(text.split('---\n')[1])).toEqual(fileFields(other));
    expect(JSON.parse(renderJobs([STORED], 'json'))).toEqual([fileFields(STORED)]);
  });

  it('diffs leaf fields; empty and absent maps are the same', () => {
    const { labels, ...withoutLabels } = STORED;
    void labels;
    expect(diffJobs(STORED, withoutLabels as ApiJob)).toEqual([]);
    const changed = {
      ...STORED,
      cronExpr: '@hourly',
      retries: { max: 3, backoffSeconds: 10, factor: 2 },
      managedBy: 'git:y',
    };
    expect(diffJobs(STORED, changed).map(formatChange)).toEqual([
      'cronExpr: "@daily" → "@hourly"',
      'retries.max: 1 → 3',
      'managedBy: "git:x" → "git:y"',
    ]);
  });

  it('never shows env or stdin values in a diff', () => {
    const after = { ...STORED, env: { A: 'secret', C: 'new-secret' }, stdin: 'pw' };
    const lines = diffJobs(STORED, after).map(formatChange);
    expect(lines).toEqual([
      'env.A: changed (value hidden)',
      'env.B: removed (value hidden)',
      'stdin: added (value hidden)',
      'env.C: added (value hidden)',
    ]);
    expect(lines.join('\n')).not.toContain('secret');
  });
});
