import { storedJob } from './stored-job.fixture';
import { JobBook } from './job-book';
import { readJob } from './job-table';
import { ownerOf } from './ownership';

const spec = storedJob;

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

  it('ignores values that are not jobs', () => {
    const book = bookFor('w1');
    expect(book.put('x', 'not json', 1)).toBe(false);
    expect(book.put('y', '{}', 1)).toBe(false);
    expect(book.table.size).toBe(0);
  });

  it('owns a job read from a partition by the partition, a broad one by itself', () => {
    const book = bookFor('w1');
    book.setWorkers(workers);
    const partition = 'default/00';
    const byPartition = ownerOf(partition, { labels: {} }, workers);
    for (const name of names) book.put(name, spec(name), 1, partition);
    book.recompute(true);
    expect(book.owned.size).toBe(byPartition === 'w1' ? names.length : 0);
    expect(book.roleFor(names[0])).toBe(byPartition === 'w1' ? 'owner' : undefined);
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
