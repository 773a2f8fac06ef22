import { JOB_DEFAULTS, JobSpec } from '../jobs/job.model';
import { JobBook } from './job-book';
import { readJob } from './job-table';
import { ownerOf } from './ownership';

const spec = (name: string, over: Partial<JobSpec> = {}): string =>
  JSON.stringify({
    ...JOB_DEFAULTS,
    name,
    command: 'true',
    cronExpr: '* * * * *',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    ...over,
  });

const bookFor = (id: string) =>
  new JobBook({ id, labels: {} }, (name, entry) => readJob(name, entry.value, entry.revision));

describe('JobBook', () => {
  const names = Array.from({ length: 60 }, (_, i) => `job-${i}`);
  const workers = [
    { id: 'w1', labels: {} },
    { id: 'w2', labels: {} },
  ];

  it('schedules exactly the jobs it owns, and nothing before it is registered', () => {
    const book = bookFor('w1');
    book.setWorkers(workers);
    for (const name of names) book.put(name, spec(name), 1);
    expect(book.recompute(false)).toEqual({ gained: 0, lost: 0 });
    const change = book.recompute(true);
    const mine = names.filter((n) => ownerOf(n, { labels: {} }, workers) === 'w1');
    expect(change).toEqual({ gained: mine.length, lost: 0 });
    expect([...book.owned.keys()].sort()).toEqual(mine.sort());
    expect(book.ownedCount).toBe(mine.length);
    expect(book.due.size).toBe(mine.length);
  });

  it("helps with a saturated worker's jobs and drops them when it recovers", () => {
    const book = bookFor('w1');
    book.setWorkers(workers);
    for (const name of names) book.put(name, spec(name), 1);
    book.recompute(true);
    const owned = book.owned.size;
    book.setWorkers([workers[0], { ...workers[1], saturated: true }]);
    const change = book.recompute(true);
    expect(change.gained).toBe(names.length - owned);
    expect(book.helpingCount).toBe(names.length - owned);
    expect(book.ownedCount).toBe(owned);
    expect([...book.owned.values()].filter((j) => j.role === 'helper')).toHaveLength(
      names.length - owned,
    );
    book.setWorkers(workers);
    expect(book.recompute(true)).toEqual({ gained: 0, lost: names.length - owned });
    expect(book.helpingCount).toBe(0);
  });

  it('ignores values that are not jobs, and a re-listing deletes what is gone', () => {
    const book = bookFor('w1');
    book.setWorkers([workers[0]]);
    expect(book.put('x', 'not json', 1)).toBe(false);
    book.put('a', spec('a'), 1);
    book.put('b', spec('b'), 1);
    book.recompute(true);
    const { ignored, deleted } = book.reset(
      new Map([
        ['a', spec('a')],
        ['c', '{}'],
      ]),
    );
    expect(ignored).toEqual(['c']);
    expect(deleted).toEqual(['b']);
    expect([...book.owned.keys()]).toEqual(['a']);
  });

  it('a re-listing leaves unchanged jobs as they are and re-parses the changed ones', () => {
    const parsed: string[] = [];
    const book = new JobBook({ id: 'w1', labels: {} }, (name, entry) => {
      parsed.push(name);
      return readJob(name, entry.value, entry.revision);
    });
    book.setWorkers([workers[0]]);
    book.put('a', spec('a'), 1);
    book.put('b', spec('b'), 1);
    book.recompute(true);
    const a = book.owned.get('a');
    a!.cursor = 42;
    book.due.takeDue(Infinity);
    parsed.length = 0;
    book.reset(
      new Map([
        ['a', spec('a')],
        ['b', spec('b', { command: 'false' })],
      ]),
    );
    expect(parsed).toEqual(['b']);
    expect(book.owned.get('a')).toBe(a);
    expect(book.owned.get('a')?.cursor).toBe(42);
    expect([...book.due.keys()]).toEqual(['b']);
    expect(book.owned.get('b')?.table.spec.command).toBe('false');
  });

  it('a change of target mode starts the job over with its own mark key', () => {
    const book = bookFor('w1');
    book.setWorkers(workers);
    const name = names.find((n) => ownerOf(n, { labels: {} }, workers) === 'w2')!;
    book.put(name, spec(name), 1);
    book.recompute(true);
    expect(book.owned.has(name)).toBe(false);
    book.put(name, spec(name, { target: { labels: {}, mode: 'all' } }), 2);
    book.update(name, true);
    expect(book.owned.get(name)?.stateName).toBe(`${name}@w1`);
  });
});
