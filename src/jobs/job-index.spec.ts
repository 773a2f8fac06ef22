import { EtcdKeys } from '../etcd/etcd-keys';
import { indexChanges, indexEntries } from './job-index';
import { JobSpec } from './job.model';

const keys = new EtcdKeys('/t/');
const spec = (over: Partial<JobSpec>): JobSpec => over as JobSpec;

describe('indexEntries', () => {
  it('writes nothing for a plain job', () => {
    expect(indexEntries(keys, 'a', spec({ target: { labels: {}, mode: 'one' } }), 'v')).toEqual(
      new Map(),
    );
  });

  it('copies a job with its own target labels or mode all into broad/', () => {
    const labelled = spec({ target: { labels: { gpu: 'yes' }, mode: 'one' } });
    expect([...indexEntries(keys, 'team:a', labelled, 'v')]).toEqual([['/t/broad/team:a', 'v']]);
    const all = spec({ target: { labels: {}, mode: 'all' } });
    expect([...indexEntries(keys, 'a', all, 'v').keys()]).toEqual(['/t/broad/a']);
  });

  it('writes one edge per distinct parent, in the child namespace, with every parent', () => {
    const child = spec({
      after: [
        { job: 'x', on: 'failed' },
        { job: 'y', on: 'succeeded' },
        { job: 'x', on: 'completed' },
      ],
      enabled: false,
    });
    expect(Object.fromEntries(indexEntries(keys, 'team:c', child, 'v'))).toEqual({
      '/t/children/team:x/team:c': JSON.stringify({
        on: 'failed',
        parents: ['team:x', 'team:y'],
        enabled: false,
      }),
      '/t/children/team:y/team:c': JSON.stringify({
        on: 'succeeded',
        parents: ['team:x', 'team:y'],
        enabled: false,
      }),
    });
  });
});

describe('indexChanges', () => {
  it('puts what is new or changed and deletes what went', () => {
    const before = new Map([
      ['k1', 'a'],
      ['k2', 'b'],
    ]);
    const after = new Map([
      ['k2', 'c'],
      ['k3', 'd'],
    ]);
    expect(indexChanges(before, after)).toEqual({
      puts: [
        ['k2', 'c'],
        ['k3', 'd'],
      ],
      deletes: ['k1'],
    });
  });
});
