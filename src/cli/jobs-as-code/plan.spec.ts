import type { JobDocument } from './documents';
import type { ApiJob } from './job-fields';
import { countPlan, formatPlan, formatSummary, planApply } from './plan';
import { withoutCredentials } from './manager';

function job(name: string, extra: Partial<ApiJob> = {}): ApiJob {
  return { name, command: 'true', cronExpr: '@daily', cronDialect: 'standard', ...extra };
}

function desired(name: string, index: number, extra: Partial<ApiJob> = {}) {
  const doc: JobDocument = { file: 'jobs.yaml', index, body: { name } };
  return { doc, preview: job(name, extra) };
}

describe('the apply plan', () => {
  const current = [
    job('same', { managedBy: 'git:me', revision: 4 }),
    job('changed', { managedBy: 'git:me', revision: 5 }),
    job('adopted', { revision: 6 }),
    job('gone', { managedBy: 'git:me', revision: 7 }),
    job('theirs-gone', { managedBy: 'git:them', revision: 8 }),
    job('nobodys-gone', { revision: 9 }),
  ];

  it('creates, updates field by field, leaves unchanged, prunes only its own', () => {
    const plan = planApply(
      [
        desired('same', 1),
        desired('changed', 2, { cronExpr: '@hourly' }),
        desired('adopted', 3),
        desired('new', 4),
      ],
      current,
      { manager: 'git:me', prune: true },
    );
    expect(plan.problems).toEqual([]);
    expect(formatPlan(plan.items)).toEqual([
      '= unchanged  same',
      '~ update     changed  (jobs.yaml, document 2)',
      '      cronExpr: "@daily" → "@hourly"',
      '~ update     adopted  (jobs.yaml, document 3)',
      '      managedBy: (none) → "git:me"',
      '+ create     new  (jobs.yaml, document 4)',
      '- delete     gone  (no longer in the files)',
    ]);
    const counts = countPlan(plan.items);
    expect(counts).toEqual({ create: 1, update: 2, delete: 1, unchanged: 1 });
    expect(formatSummary(counts, false)).toBe('1 created, 2 updated, 1 deleted, 1 unchanged');
    expect(formatSummary(counts, true)).toBe(
      'dry run: 1 to create, 2 to update, 1 to delete, 1 unchanged; nothing was changed',
    );
  });

  it('without --prune deletes nothing; with nothing to do says so', () => {
    const plan = planApply([desired('same', 1)], current, { manager: 'git:me', prune: false });
    expect(plan.items.map((i) => i.kind)).toEqual(['unchanged']);
    expect(formatSummary(countPlan(plan.items), false)).toBe('no changes: 1 unchanged');
  });

  it('refuses a job someone else manages, unless an override reason is given', () => {
    const refused = planApply([desired('theirs-gone', 1)], current, {
      manager: 'git:me',
      prune: false,
    });
    expect(refused.items).toEqual([]);
    expect(refused.problems[0]).toMatchObject({ file: 'jobs.yaml', index: 1, field: 'name' });
    expect(refused.problems[0].reason).toContain('is managed by git:them, not git:me');
    const taken = planApply([desired('theirs-gone', 1)], current, {
      manager: 'git:me',
      prune: false,
      override: 'moving repos',
    });
    expect(taken.items.map((i) => i.kind)).toEqual(['update']);
  });

  it('keeps credentials of a git remote out of the manager', () => {
    expect(withoutCredentials('https://bot:tok3n@example.com/a.git')).toBe(
      'https://example.com/a.git',
    );
    expect(withoutCredentials('git@example.com:ops/jobs.git')).toBe('git@example.com:ops/jobs.git');
  });
});
