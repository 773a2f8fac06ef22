/**
 * When each token was last used, as far as this process knows: the throttle that keeps a
 * request from ever waiting on a write. Pure: the clock is passed in.
 *
 * `touch` answers true when the use should be written (the first use this process sees, or
 * the first after `intervalMs` since the last write it started), so a token busy with many
 * requests costs one write per interval per master.
 */
export class UsageThrottle {
  private readonly seen = new Map<string, { lastUsed: number; lastWrite: number }>();

  constructor(private readonly intervalMs: number) {}

  touch(tokenId: string, now: number): boolean {
    const entry = this.seen.get(tokenId);
    if (entry && now - entry.lastWrite < this.intervalMs && now >= entry.lastWrite) {
      entry.lastUsed = Math.max(entry.lastUsed, now);
      return false;
    }
    this.seen.set(tokenId, { lastUsed: now, lastWrite: now });
    return true;
  }

  /** The last use this process saw (possibly not written yet), as epoch ms. */
  lastUsed(tokenId: string): number | undefined {
    return this.seen.get(tokenId)?.lastUsed;
  }

  forget(tokenId: string): void {
    this.seen.delete(tokenId);
  }
}
