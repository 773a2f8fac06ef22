import { Etcd3, Lease } from 'etcd3';
import { SessionClock } from './session-clock';

/**
 * A lease kept alive every TTL/3 by the etcd3 client that knows, without waiting for its `lost`
 * event (which can come up to 2xTTL late), when it may have expired: the same SessionClock rule
 * workers use (docs/coordination.md). Holders of lease-bound
 * rights (leadership, tick claims) must stop using them as soon as `safe()` turns false.
 */
export class SessionLease {
  private lease?: Lease;
  private id?: string;
  private firedAt = 0;
  private readonly clock: SessionClock;

  constructor(
    private readonly client: Etcd3,
    readonly ttlSeconds: number,
    private readonly onLost: (reason: string) => void,
  ) {
    this.clock = new SessionClock(Math.min(2000, (ttlSeconds * 1000) / 4));
  }

  /** Grants a fresh lease; resolves with its id (decimal string). */
  async grant(): Promise<string> {
    this.release();
    const lease = this.client.lease(this.ttlSeconds);
    const sentAt = Date.now();
    const id = await lease.grant();
    this.lease = lease;
    this.id = id;
    this.clock.reset();
    this.clock.renewed(sentAt, this.ttlSeconds);
    lease.on('keepaliveFired', () => (this.firedAt = Date.now()));
    lease.on('keepaliveSucceeded', (response) =>
      this.clock.renewed(this.firedAt, Number(response.TTL)),
    );
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
    return this.id !== undefined && this.clock.canClaim(now);
  }

  /** Milliseconds until `safe()` turns false unless a keep-alive succeeds first. */
  safeForMs(now = Date.now()): number {
    return this.id === undefined ? 0 : this.clock.claimableForMs(now);
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
