import { storedJob } from './stored-job.fixture';
import { JobBook } from './job-book';
import { JobSources } from './job-sources';
import { readJob } from './job-table';
import { StoredValue } from './partition-mirror';
import { partitionOfJob } from './partitions';

const value = storedJob;
const broad = (name: string) => value(name, { target: { labels: { gpu: 'yes' }, mode: 'one' } });

/** A book on a one-worker cluster (it owns everything it reads) and its sources. */
function setup() {
  const parsed: string[] = [];
  const book = new JobBook({ id: 'w1', labels: { gpu: 'yes' } }, (name, entry) => {
    parsed.push(name);
    return readJob(name, entry.value, entry.revision);
  });
  book.setWorkers([{ id: 'w1', labels: { gpu: 'yes' } }]);
  const partitions = new Map<string, StoredValue>();
  const sources = new JobSources(book, (id) => partitions.get(id));
  const own = (names: string[]) => names.forEach((name) => book.update(name, true));
  return { book, sources, partitions, parsed, own };
}

describe('JobSources', () => {
  it('takes plain jobs from their partition and broad ones from broad/ only', () => {
    const { book, sources } = setup();
    expect(sources.partitionPut('a', value('a'), 5).touched).toEqual(['a']);
    expect(book.table.get('a')?.partition).toBe(partitionOfJob('a'));
    // The partition's copy of a broad job is not used: broad/ carries it.
    expect(sources.partitionPut('b', broad('b'), 6).touched).toEqual([]);
    expect(book.table.has('b')).toBe(false);
    expect(sources.broadPut('b', broad('b'), 6).touched).toEqual(['b']);
    expect(book.table.get('b')?.partition).toBeUndefined();
  });

  it('a job turning broad is not lost, whichever watch reports the transaction first', () => {
    for (const broadFirst of [true, false]) {
      const { book, sources, partitions, own } = setup();
      sources.partitionPut('a', value('a'), 5);
      own(['a']);
      partitions.set('a', { value: broad('a'), revision: 9 });
      const steps = [
        () => sources.broadPut('a', broad('a'), 9),
        () => sources.partitionPut('a', broad('a'), 9),
      ];
      const results = (broadFirst ? steps : steps.reverse()).map((step) => step());
      expect(results.flatMap((r) => r.deleted)).toEqual([]);
      expect(book.table.get('a')?.revision).toBe(9);
      expect(book.table.get('a')?.partition).toBeUndefined();
    }
  });

  it('a job turning plain is not lost or deleted, whichever watch reports first', () => {
    for (const broadFirst of [true, false]) {
      const { book, sources, partitions, own } = setup();
      sources.broadPut('a', broad('a'), 5);
      own(['a']);
      partitions.set('a', { value: value('a'), revision: 9 });
      const steps = [
        () => sources.broadDelete('a'),
        () => sources.partitionPut('a', value('a'), 9),
      ];
      const results = (broadFirst ? steps : steps.reverse()).map((step) => step());
      expect(results.flatMap((r) => [...r.deleted, ...r.unsure])).toEqual([]);
      expect(book.table.get('a')).toMatchObject({ revision: 9, partition: partitionOfJob('a') });
    }
  });

  it('a broad job gone from broad/ and from the held partitions is unsure, not deleted', () => {
    const { book, sources } = setup();
    sources.broadPut('a', broad('a'), 5);
    expect(sources.broadDelete('a')).toMatchObject({ deleted: [], unsure: ['a'] });
    expect(book.table.has('a')).toBe(false);
  });

  it('a deleted definition is deleted; a dropped partition only releases its jobs', () => {
    const { book, sources } = setup();
    sources.partitionPut('a', value('a'), 5);
    sources.partitionPut('b', value('b'), 5);
    expect(sources.partitionDelete('a').deleted).toEqual(['a']);
    expect(sources.partitionDrop(partitionOfJob('b'), ['b'])).toMatchObject({
      released: ['b'],
      deleted: [],
    });
    expect(book.table.size).toBe(0);
    // A broad job's definition deletion is settled by its broad/ copy's.
    sources.broadPut('c', broad('c'), 5);
    expect(sources.partitionDelete('c').deleted).toEqual([]);
  });

  it('a re-listing deletes what is gone, ignores non-jobs and re-parses only what changed', () => {
    const { book, sources, parsed, own } = setup();
    const partition = partitionOfJob('a');
    const [, b, c] = Array.from({ length: 5000 }, (_, i) => `j${i}`).filter(
      (name) => partitionOfJob(name) === partition,
    );
    const names = ['a', b, c];
    for (const name of names) sources.partitionPut(name, value(name), 1);
    own(names);
    const a = book.owned.get('a')!;
    a.cursor = 42;
    parsed.length = 0;
    const changes = sources.partitionReset(
      partition,
      new Map([
        ['a', { value: value('a'), revision: 1 }],
        [b, { value: value(b, { command: 'false' }), revision: 7 }],
        ['x', { value: 'not json', revision: 7 }],
      ]),
    );
    expect(changes.deleted).toEqual([c]);
    expect(changes.ignored).toEqual(['x']);
    expect(parsed).toEqual([b]);
    expect(book.owned.get('a')).toBe(a);
    expect(book.owned.get('a')?.cursor).toBe(42);
    expect(book.owned.get(b)?.table.spec.command).toBe('false');
  });
});
