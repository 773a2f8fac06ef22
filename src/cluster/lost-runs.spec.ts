import { lostRuns } from './lost-runs';

describe('lostRuns', () => {
  it('waits lostAfterMs from the first sweep that saw the key missing', () => {
    const first = lostRuns(['a', 'b'], new Set(['b']), new Map(), 1000, 5000);
    expect(first.lost).toEqual([]);
    expect([...first.missingSince]).toEqual([['a', 1000]]);
    const early = lostRuns(['a', 'b'], new Set(['b']), first.missingSince, 5999, 5000);
    expect(early.lost).toEqual([]);
    const late = lostRuns(['a', 'b'], new Set(['b']), early.missingSince, 6000, 5000);
    expect(late.lost).toEqual(['a']);
  });

  it('forgets runs that come back or stop being recorded as running', () => {
    const seen = new Map([
      ['a', 0],
      ['gone', 0],
    ]);
    const next = lostRuns(['a'], new Set(['a']), seen, 10_000, 5000);
    expect(next.lost).toEqual([]);
    expect(next.missingSince.size).toBe(0);
  });
});
