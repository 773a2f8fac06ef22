import { afterQueued, allowance } from './pacing';

describe('pacing', () => {
  const pace = { now: 10_000, ratePerSecond: 2, concurrency: 3, outstanding: 0 };

  it('the first trigger goes at once, one only', () => {
    expect(allowance(pace)).toBe(1);
    expect(allowance({ ...pace, outstanding: 3 })).toBe(0);
  });

  it('follows the rate', () => {
    expect(allowance({ ...pace, lastQueuedAt: 9_800 })).toBe(0);
    expect(allowance({ ...pace, lastQueuedAt: 9_500 })).toBe(1);
    expect(allowance({ ...pace, lastQueuedAt: 9_000 })).toBe(2);
  });

  it('never exceeds the concurrency, however long the pause', () => {
    expect(allowance({ ...pace, lastQueuedAt: 0 })).toBe(3);
    expect(allowance({ ...pace, lastQueuedAt: 0, outstanding: 2 })).toBe(1);
  });

  it('a slow rate waits seconds between triggers', () => {
    const slow = { ...pace, ratePerSecond: 0.1 };
    expect(allowance({ ...slow, lastQueuedAt: 1_000 })).toBe(0);
    expect(allowance({ ...slow, lastQueuedAt: 0 })).toBe(1);
  });

  it('saves no credit past one interval', () => {
    expect(afterQueued(10_000, undefined, 2, 1)).toBe(10_000);
    expect(afterQueued(10_000, 9_500, 2, 1)).toBe(10_000);
    expect(afterQueued(10_000, 0, 2, 1)).toBe(9_500);
    expect(afterQueued(10_000, 5_000, 2, 0)).toBe(5_000);
  });
});
