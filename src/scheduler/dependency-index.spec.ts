import { DependencyIndex } from './dependency-index';

const spec = (after: unknown, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ name: 'x', command: 'true', after, ...extra });

describe('DependencyIndex', () => {
  it('indexes children by parent, within the child namespace', () => {
    const index = new DependencyIndex();
    index.put('b', spec([{ job: 'a', on: 'succeeded' }]));
    index.put('team:c', spec([{ job: 'a', on: 'failed' }, { job: 'b' }]));
    expect(index.childrenOf('a')).toEqual([
      { child: 'b', on: 'succeeded', parents: ['a'], enabled: true },
    ]);
    expect(index.childrenOf('team:a')).toEqual([
      { child: 'team:c', on: 'failed', parents: ['team:a', 'team:b'], enabled: true },
    ]);
    expect(index.childrenOf('team:b')[0]?.on).toBe('succeeded');
  });

  it('follows puts and deletes of children', () => {
    const index = new DependencyIndex();
    index.put('b', spec([{ job: 'a', on: 'completed' }], { enabled: false }));
    expect(index.childrenOf('a')).toEqual([
      { child: 'b', on: 'completed', parents: ['a'], enabled: false },
    ]);
    index.put('b', spec([]));
    expect(index.childrenOf('a')).toEqual([]);
    index.put('b', spec([{ job: 'z' }]));
    index.delete('b');
    expect(index.childrenOf('z')).toEqual([]);
  });

  it('resets from a listing', () => {
    const index = new DependencyIndex();
    index.put('old', spec([{ job: 'a' }]));
    index.reset(new Map([['b', spec([{ job: 'a' }])]]));
    expect(index.childrenOf('a').map((link) => link.child)).toEqual(['b']);
  });
});
