/**
 * When a worker may still claim: its session lease is alive on etcd until at least
 * `sentAt + ttl` of the last successful keep-alive (etcd measures the TTL from when it received
 * the request, which is after we sent it). Claims stop `marginMs` earlier, so a claim in flight
 * cannot land after the lease could have expired, and nothing waits for the client library's
 * `lost` event, which can arrive up to two TTLs late.
 */
export class SessionClock {
  private aliveUntil = 0;

  constructor(private readonly marginMs: number) {}

  /** Record a grant or keep-alive sent at `sentAt` that etcd answered with `ttlSeconds`. */
  renewed(sentAt: number, ttlSeconds: number): void {
    this.aliveUntil = Math.max(this.aliveUntil, sentAt + ttlSeconds * 1000);
  }

  reset(): void {
    this.aliveUntil = 0;
  }

  /** The lease is certainly alive and far enough from expiry to start a claim. */
  canClaim(now: number): boolean {
    return now < this.aliveUntil - this.marginMs;
  }

  /** Milliseconds until `canClaim` turns false unless the lease is renewed first. */
  claimableForMs(now: number): number {
    return this.aliveUntil - this.marginMs - now;
  }

  /** The lease may have expired on etcd by now. */
  mayHaveExpired(now: number): boolean {
    return now >= this.aliveUntil;
  }

  get expiresBy(): number {
    return this.aliveUntil;
  }
}
