import { SessionClock } from './session-clock';

describe('SessionClock', () => {
  it('allows claims until TTL minus the margin after the last keep-alive was sent', () => {
    const clock = new SessionClock(1000);
    expect(clock.canClaim(0)).toBe(false);
    clock.renewed(10_000, 3);
    expect(clock.canClaim(10_000)).toBe(true);
    expect(clock.canClaim(11_999)).toBe(true);
    expect(clock.canClaim(12_000)).toBe(false);
    expect(clock.mayHaveExpired(12_999)).toBe(false);
    expect(clock.mayHaveExpired(13_000)).toBe(true);
  });

  it('measures from when the keep-alive was sent, not when it was answered', () => {
    const clock = new SessionClock(0);
    clock.renewed(10_000, 3); // answered, say, 2 s later: still expires by 13 s
    expect(clock.expiresBy).toBe(13_000);
  });

  it('never moves backwards on a late answer to an older keep-alive', () => {
    const clock = new SessionClock(0);
    clock.renewed(20_000, 3);
    clock.renewed(15_000, 3);
    expect(clock.expiresBy).toBe(23_000);
    clock.reset();
    expect(clock.canClaim(20_000)).toBe(false);
  });
});
