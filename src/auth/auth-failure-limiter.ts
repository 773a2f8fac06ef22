/**
 * Rate limit of failed authentications per client (IP): at most `maxFailures` failures within a
 * window of `windowMs` starting at a client's first failure; once reached, the client is refused
 * (429 with Retry-After) until its window ends. Memory is bounded: at most `maxClients` clients
 * are tracked; expired entries are dropped first, then the oldest.
 *
 * Pure logic: the clock is passed in, so it is unit-tested without timers.
 */
export interface AuthFailureLimits {
  /** Failures allowed per window; 0 turns the limiter off. */
  maxFailures: number;
  windowMs: number;
  maxClients: number;
}

interface Entry {
  windowStart: number;
  failures: number;
}

export type LimitDecision = { limited: false } | { limited: true; retryAfterSeconds: number };

export class AuthFailureLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly limits: AuthFailureLimits) {}

  /** Whether `client` is refused at `now`, and for how many more seconds. */
  check(client: string, now: number): LimitDecision {
    if (this.limits.maxFailures <= 0) return { limited: false };
    const entry = this.live(client, now);
    if (!entry || entry.failures < this.limits.maxFailures) return { limited: false };
    const remainingMs = entry.windowStart + this.limits.windowMs - now;
    return { limited: true, retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)) };
  }

  /** Counts one failed authentication of `client` at `now`. */
  recordFailure(client: string, now: number): void {
    if (this.limits.maxFailures <= 0) return;
    const entry = this.live(client, now);
    if (entry) {
      entry.failures += 1;
      return;
    }
    this.makeRoom(now);
    this.entries.set(client, { windowStart: now, failures: 1 });
  }

  /** Number of clients tracked (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  private live(client: string, now: number): Entry | undefined {
    const entry = this.entries.get(client);
    if (!entry) return undefined;
    if (now - entry.windowStart >= this.limits.windowMs || now < entry.windowStart) {
      // Expired (or the clock went backwards): forget it.
      this.entries.delete(client);
      return undefined;
    }
    return entry;
  }

  private makeRoom(now: number): void {
    if (this.entries.size < this.limits.maxClients) return;
    for (const [client, entry] of this.entries) {
      if (now - entry.windowStart >= this.limits.windowMs) this.entries.delete(client);
    }
    // Map iteration is insertion order: the first entries are the oldest windows.
    while (this.entries.size >= this.limits.maxClients) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }
}
