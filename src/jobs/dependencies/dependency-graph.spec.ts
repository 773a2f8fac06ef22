import { describeCycle, findCycle } from './dependency-graph';

describe('findCycle', () => {
  const graph =
    (edges: Record<string, string[]>) =>
    (job: string): string[] =>
      edges[job] ?? [];

  it('finds a cycle through the start and names it in order', () => {
    const cycle = findCycle('a', graph({ a: ['b'], b: ['c'], c: ['a'] }));
    expect(cycle).toEqual(['a', 'b', 'c', 'a']);
    expect(describeCycle(cycle!)).toBe('a → b → c → a');
  });

  it('finds a job after itself', () => {
    expect(findCycle('a', graph({ a: ['a'] }))).toEqual(['a', 'a']);
  });

  it('ignores cycles that do not pass through the start, and ends on them', () => {
    expect(findCycle('a', graph({ a: ['b'], b: ['c'], c: ['b'] }))).toBeUndefined();
  });

  it('allows diamonds and dangling parents', () => {
    expect(findCycle('d', graph({ d: ['b', 'c'], b: ['a'], c: ['a', 'missing'] }))).toBeUndefined();
  });
});
