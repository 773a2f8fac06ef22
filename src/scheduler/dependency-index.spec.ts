import { EtcdKeys } from '../etcd/etcd-keys';
import { indexEntries } from '../jobs/job-index';
import { JobSpec } from '../jobs/job.model';
import { DependencyIndex } from './dependency-index';

const keys = new EtcdKeys('/t/');

/** The edge keys (tails under `children/`) a master writes for job `id`. */
const edges = (id: string, after: unknown, extra: Partial<JobSpec> = {}): Map<string, string> => {
  const spec = { after, ...extra } as JobSpec;
  const out = new Map<string, string>();
  for (const [key, value] of indexEntries(keys, id, spec, '{}'))
    if (key.startsWith(keys.childrenPrefix()))
      out.set(key.slice(keys.childrenPrefix().length), value);
  return out;
};

const putAll = (index: DependencyIndex, entries: Map<string, string>) => {
  for (const [edge, value] of entries) index.put(edge, value);
};

describe('DependencyIndex', () => {
  it('indexes children by parent, within the child namespace', () => {
    const index = new DependencyIndex();
    putAll(index, edges('b', [{ job: 'a', on: 'succeeded' }]));
    putAll(index, edges('team:c', [{ job: 'a', on: 'failed' }, { job: 'b' }]));
    expect(index.childrenOf('a')).toEqual([
      { child: 'b', on: 'succeeded', parents: ['a'], enabled: true },
    ]);
    expect(index.childrenOf('team:a')).toEqual([
      { child: 'team:c', on: 'failed', parents: ['team:a', 'team:b'], enabled: true },
    ]);
    expect(index.childrenOf('team:b')[0]?.on).toBe('succeeded');
  });

  it('follows puts and deletes of edges', () => {
    const index = new DependencyIndex();
    putAll(index, edges('b', [{ job: 'a', on: 'completed' }], { enabled: false }));
    expect(index.childrenOf('a')).toEqual([
      { child: 'b', on: 'completed', parents: ['a'], enabled: false },
    ]);
    index.delete('a/b');
    expect(index.childrenOf('a')).toEqual([]);
  });

  it('leaves out unreadable edges, and resets from a listing', () => {
    const index = new DependencyIndex();
    index.put('a/x', 'not json');
    index.put('a/', '{"parents":["a"]}');
    expect(index.childrenOf('a')).toEqual([]);
    putAll(index, edges('old', [{ job: 'a' }]));
    index.reset(edges('b', [{ job: 'a' }]));
    expect(index.childrenOf('a').map((link) => link.child)).toEqual(['b']);
  });
});
