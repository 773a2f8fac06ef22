import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  const options = { baseMs: 1000, factor: 2, maxMs: 60_000 };

  it('grows by the factor per attempt, with jitter in the upper half', () => {
    expect(backoffDelay(1, options, () => 0)).toBe(500);
    expect(backoffDelay(1, options, () => 1)).toBe(1000);
    expect(backoffDelay(3, options, () => 1)).toBe(4000);
    expect(backoffDelay(3, options, () => 0)).toBe(2000);
  });

  it('is capped', () => {
    expect(backoffDelay(30, options, () => 1)).toBe(60_000);
  });
});
