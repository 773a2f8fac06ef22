import { DueQueue } from './due-queue';

describe('DueQueue', () => {
  it('hands out due keys earliest first and keeps the rest', () => {
    const q = new DueQueue<string>();
    q.set('c', 30);
    q.set('a', 10);
    q.set('b', 20);
    expect(q.takeDue(20)).toEqual(['a', 'b']);
    expect(q.next()).toBe(30);
    expect(q.takeDue(29)).toEqual([]);
    expect(q.size).toBe(1);
  });

  it('takeFirst hands out the earliest keys whatever their time', () => {
    const q = new DueQueue<string>();
    for (const [key, at] of [
      ['c', 30],
      ['a', 10],
      ['b', 20],
    ] as const)
      q.set(key, at);
    q.set('a', 40);
    expect(q.takeFirst(2)).toEqual(['b', 'c']);
    expect(q.takeFirst(5)).toEqual(['a']);
    expect(q.size).toBe(0);
  });

  it('the last set wins; a cleared key is never handed out', () => {
    const q = new DueQueue<string>();
    q.set('a', 10);
    q.set('a', 50);
    q.set('b', 5);
    q.set('b', undefined);
    expect(q.takeDue(40)).toEqual([]);
    expect(q.next()).toBe(50);
    expect(q.takeDue(50)).toEqual(['a']);
    expect(q.next()).toBeUndefined();
  });

  it('stays ordered through many random updates (against a sorted reference)', () => {
    const q = new DueQueue<number>();
    const truth = new Map<number, number>();
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 200; i++) {
        const key = Math.floor(random() * 300);
        const at = random() < 0.1 ? undefined : Math.floor(random() * 10000);
        q.set(key, at);
        if (at === undefined) truth.delete(key);
        else truth.set(key, at);
      }
      const now = Math.floor(random() * 10000);
      const expected = [...truth]
        .filter(([, at]) => at <= now)
        .sort((x, y) => x[1] - y[1])
        .map(([, at]) => at);
      const taken = q.takeDue(now);
      expect(taken.map((key) => truth.get(key))).toEqual(expected);
      for (const key of taken) truth.delete(key);
    }
  });
});
