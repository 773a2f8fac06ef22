import { Etcd3, Lease } from 'etcd3';

/**
 * A lease kept alive every TTL/3 that knows, without waiting for etcd3's `lost` event (which can
 * come up to 2xTTL late), when it may have expired: `safe()` is false once the last confirmed
 * keep-alive was *sent* longer ago than TTL minus a safety margin. Holders of lease-bound
 * rights (leadership, tick claims) must stop using them as soon as `safe()` turns false.
 */
export class SessionLease {
  private lease?: Lease;
  private id?: string;
  private confirmedAt = 0;
  private firedAt = 0;
  private readonly ttlMs: number;
  private readonly marginMs: number;

  constructor(
    private readonly client: Etcd3,
    readonly ttlSeconds: number,
    private readonly onLost: (reason: string) => void,
  ) {
    this.ttlMs = ttlSeconds * 1000;
    this.marginMs = Math.min(2000, this.ttlMs / 4);
  }

  /** Grants a fresh lease; resolves with its id (decimal string). */
  async grant(): Promise<string> {
    this.release();
    const lease = this.client.lease(this.ttlSeconds);
    const sentAt = Date.now();
    const id = await lease.grant();
    this.lease = lease;
    this.id = id;
    this.confirmedAt = sentAt;
    lease.on('keepaliveFired', () => (this.firedAt = Date.now()));
    lease.on('keepaliveSucceeded', () => (this.confirmedAt = this.firedAt || Date.now()));
    lease.on('lost', (error) => {
      if (this.lease === lease) this.onLost(error.message);
    });
    return id;
  }

  get leaseId(): string | undefined {
    return this.id;
  }

  /** True while the lease is certainly still alive in etcd. */
  safe(now = Date.now()): boolean {
    return this.id !== undefined && now - this.confirmedAt < this.ttlMs - this.marginMs;
  }

  /** Milliseconds until `safe()` turns false unless a keep-alive succeeds first. */
  safeForMs(now = Date.now()): number {
    return this.id === undefined ? 0 : this.ttlMs - this.marginMs - (now - this.confirmedAt);
  }

  /** Stops keep-alives without revoking (the lease then expires by itself). */
  release(): void {
    this.lease?.removeAllListeners();
    this.lease?.release();
    this.lease = undefined;
    this.id = undefined;
  }

  /** Revokes the lease so everything bound to it disappears at once. */
  async revoke(): Promise<void> {
    const lease = this.lease;
    this.release();
    await lease?.revoke().catch(() => undefined);
  }
}
