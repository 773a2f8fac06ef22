import { retryDelayMs } from './backoff';

describe('retryDelayMs', () => {
  const policy = { max: 3, backoffSeconds: 10, factor: 2 };
  it('grows geometrically per attempt', () => {
    expect([2, 3, 4].map((a) => retryDelayMs(policy, a))).toEqual([10_000, 20_000, 40_000]);
  });
  it('allows at most `max` retries', () => {
    expect(retryDelayMs(policy, 5)).toBeUndefined();
    expect(retryDelayMs({ ...policy, max: 0 }, 2)).toBeUndefined();
    expect(retryDelayMs(policy, 1)).toBeUndefined();
  });
  it('is capped at one hour and never shrinks', () => {
    expect(retryDelayMs({ max: 50, backoffSeconds: 60, factor: 10 }, 40)).toBe(3_600_000);
    expect(retryDelayMs({ max: 5, backoffSeconds: 5, factor: 0.5 }, 4)).toBe(5_000);
  });
});
