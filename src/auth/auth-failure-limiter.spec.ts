import { AuthFailureLimiter } from './auth-failure-limiter';

const limits = { maxFailures: 3, windowMs: 60_000, maxClients: 4 };

describe('AuthFailureLimiter', () => {
  it('refuses a client after maxFailures failures until its window ends', () => {
    const limiter = new AuthFailureLimiter(limits);
    for (let i = 0; i < 3; i++) {
      expect(limiter.check('a', 1000 + i)).toEqual({ limited: false });
      limiter.recordFailure('a', 1000 + i);
    }
    expect(limiter.check('a', 1003)).toEqual({ limited: true, retryAfterSeconds: 60 });
    expect(limiter.check('a', 31_000)).toEqual({ limited: true, retryAfterSeconds: 30 });
    expect(limiter.check('a', 60_999)).toEqual({ limited: true, retryAfterSeconds: 1 });
    expect(limiter.check('a', 61_000)).toEqual({ limited: false });
    // A new window starts fresh.
    limiter.recordFailure('a', 61_000);
    expect(limiter.check('a', 61_001)).toEqual({ limited: false });
  });

  it('keeps clients apart', () => {
    const limiter = new AuthFailureLimiter(limits);
    for (let i = 0; i < 3; i++) limiter.recordFailure('a', 0);
    expect(limiter.check('a', 1).limited).toBe(true);
    expect(limiter.check('b', 1)).toEqual({ limited: false });
  });

  it('never tracks more than maxClients, dropping expired then oldest entries', () => {
    const limiter = new AuthFailureLimiter(limits);
    for (let i = 0; i < 100; i++) limiter.recordFailure(`c${i}`, i);
    expect(limiter.size).toBe(4);
    // The newest clients are the ones kept.
    for (let i = 0; i < 3; i++) limiter.recordFailure('c99', 100);
    expect(limiter.check('c99', 101).limited).toBe(true);
    expect(limiter.check('c0', 101).limited).toBe(false);
    // Expired entries go first.
    limiter.recordFailure('late', 200_000);
    expect(limiter.size).toBe(1);
  });

  it('is off with maxFailures 0', () => {
    const limiter = new AuthFailureLimiter({ ...limits, maxFailures: 0 });
    for (let i = 0; i < 50; i++) limiter.recordFailure('a', i);
    expect(limiter.check('a', 51)).toEqual({ limited: false });
    expect(limiter.size).toBe(0);
  });

  it('forgets an entry when the clock goes backwards', () => {
    const limiter = new AuthFailureLimiter(limits);
    for (let i = 0; i < 3; i++) limiter.recordFailure('a', 10_000);
    expect(limiter.check('a', 5_000)).toEqual({ limited: false });
  });
});
