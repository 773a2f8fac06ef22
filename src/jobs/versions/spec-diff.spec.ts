import { pointerSegment, specDiff } from './spec-diff';

describe('specDiff', () => {
  it('is empty for equal definitions, whatever their bookkeeping fields', () => {
    const a = { command: 'true', env: { A: '1' }, createdAt: 'x', updatedAt: 'y', revision: 3 };
    const b = { command: 'true', env: { A: '1' }, createdAt: 'z', updatedAt: 'w', revision: 9 };
    expect(specDiff(a, b)).toEqual([]);
  });

  it('names each changed leaf by its JSON pointer, sorted, with before and after', () => {
    const before = {
      command: 'echo a',
      enabled: true,
      retries: { max: 0, backoffSeconds: 10, factor: 2 },
      env: { A: '1', B: '2' },
    };
    const after = {
      command: 'echo b',
      enabled: true,
      retries: { max: 3, backoffSeconds: 10, factor: 2 },
      env: { A: '1', C: '3' },
    };
    expect(specDiff(before, after)).toEqual([
      { path: '/command', op: 'replace', before: 'echo a', after: 'echo b' },
      { path: '/env/B', op: 'remove', before: '2' },
      { path: '/env/C', op: 'add', after: '3' },
      { path: '/retries/max', op: 'replace', before: 0, after: 3 },
    ]);
  });

  it('reports a whole optional field added or removed as one change', () => {
    expect(specDiff({ a: 1 }, { a: 1, labels: { team: 'x' } })).toEqual([
      { path: '/labels', op: 'add', after: { team: 'x' } },
    ]);
    expect(specDiff({ a: 1, shell: '/bin/bash' }, { a: 1 })).toEqual([
      { path: '/shell', op: 'remove', before: '/bin/bash' },
    ]);
  });

  it('escapes ~ and / in keys (label keys such as app.kubernetes.io/name)', () => {
    expect(pointerSegment('a/b~c')).toBe('a~1b~0c');
    expect(specDiff({ labels: { 'app/x': '1' } }, { labels: { 'app/x': '2' } })).toEqual([
      { path: '/labels/app~1x', op: 'replace', before: '1', after: '2' },
    ]);
  });

  it('replaces a scalar with an object (or back) in one change, and compares arrays by index', () => {
    expect(specDiff({ x: 1 }, { x: { y: 1 } })).toEqual([
      { path: '/x', op: 'replace', before: 1, after: { y: 1 } },
    ]);
    expect(specDiff({ x: [1, 2, 3] }, { x: [1, 5] })).toEqual([
      { path: '/x/1', op: 'replace', before: 2, after: 5 },
      { path: '/x/2', op: 'remove', before: 3 },
    ]);
  });

  it('diffs whole values at the root', () => {
    expect(specDiff(1, 2)).toEqual([{ path: '', op: 'replace', before: 1, after: 2 }]);
  });
});
