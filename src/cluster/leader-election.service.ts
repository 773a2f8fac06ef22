import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { hostname } from 'node:os';
import { AppConfig } from '../config/app-config';
import { EtcdService } from '../etcd/etcd.service';
import { prefixStrings } from '../etcd/paged-range';
import { SessionLease } from '../etcd/session-lease';
import { MetricsService } from '../metrics/metrics.service';

export interface MasterInfo {
  id: string;
  host: string;
  pid: number;
  startedAt: string;
}

export interface LeaderRecord {
  id: string;
  /** ISO time this master became leader. */
  since: string;
}

const CHECK_MS = 200;

/**
 * Master leader election on `P leader`: whoever creates the key (bound to its session lease)
 * leads until the lease ends. Leadership is given up as soon as the lease may have expired
 * (`SessionLease.safe()`), before etcd notices, so two masters never both believe they lead.
 * Every master also registers `P masters/<id>` on the same lease for GET /api/v1/cluster.
 */
@Injectable()
export class LeaderElection implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LeaderElection.name);
  private readonly session: SessionLease;
  private readonly listeners: ((leading: boolean) => void)[] = [];
  private leading = false;
  private stopped = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  private readonly startedAt = new Date().toISOString();

  constructor(
    private readonly etcd: EtcdService,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.session = new SessionLease(etcd.client, config.SESSION_TTL_SECONDS, (reason) => {
      this.logger.warn({ msg: 'leader session lease lost', reason });
      this.wake?.();
    });
  }

  get id(): string {
    return this.config.WORKER_ID;
  }

  /** True only while this master leads and its lease is certainly alive. */
  isLeader(): boolean {
    return this.leading && this.session.safe();
  }

  /**
   * Called with true when this master becomes leader and false when it stops leading; at once
   * with true when it already leads (a duty set up after the election was won still starts).
   */
  onChange(listener: (leading: boolean) => void): void {
    this.listeners.push(listener);
    if (this.leading) listener(true);
  }

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await this.resign();
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.metrics.leader.set(leading ? 1 : 0);
    this.logger.log({ msg: leading ? 'became leader' : 'stopped leading', masterId: this.id });
    for (const listener of this.listeners) listener(leading);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const leaseId = await this.session.grant();
        const info: MasterInfo = {
          id: this.id,
          host: hostname(),
          pid: process.pid,
          startedAt: this.startedAt,
        };
        await this.etcd.client
          .put(this.etcd.keys.master(this.id))
          .value(JSON.stringify(info))
          .lease(leaseId);
        await this.campaign(leaseId);
      } catch (error) {
        if (!this.stopped)
          this.logger.warn({ msg: 'election error; retrying', err: (error as Error).message });
      }
      this.setLeading(false);
      if (!this.stopped) {
        this.session.release();
        await this.sleep(1000);
      }
    }
  }

  /** Campaigns with `leaseId` until the session is unsafe or the process stops. */
  private async campaign(leaseId: string): Promise<void> {
    const { client, keys } = this.etcd;
    const key = keys.leader();
    while (!this.stopped && this.session.safe()) {
      const record: LeaderRecord = { id: this.id, since: new Date().toISOString() };
      const result = await client
        .if(key, 'Create', '==', 0)
        .then(client.put(key).value(JSON.stringify(record)).lease(leaseId))
        .else(client.get(key))
        .commit();
      const current = result.succeeded ? undefined : result.responses[0]?.response_range?.kvs[0];
      const ours = result.succeeded || current?.lease === leaseId;
      const watcher = await client
        .watch()
        .key(key)
        .startRevision(String(Number(result.header.revision) + 1))
        .create();
      try {
        let changed = false;
        watcher.on('delete', () => {
          changed = true;
          this.wake?.();
        });
        watcher.on('put', () => {
          if (!ours) return;
          changed = true;
          this.wake?.();
        });
        this.setLeading(ours);
        // Leader: hold until the lease is unsafe or the key changes. Follower: retry when the key
        // is deleted, and at least once per TTL in case a watch event was missed.
        const deadline = ours ? Infinity : Date.now() + this.config.SESSION_TTL_SECONDS * 1000;
        while (!this.stopped && !changed && this.session.safe() && Date.now() < deadline) {
          await this.sleep(Math.min(CHECK_MS, Math.max(1, this.session.safeForMs())));
        }
      } finally {
        await watcher.cancel().catch(() => undefined);
      }
      if (ours) this.setLeading(false);
    }
  }

  private async resign(): Promise<void> {
    const leaseId = this.session.leaseId;
    if (!leaseId) return;
    const { client, keys } = this.etcd;
    try {
      await client
        .if(keys.leader(), 'Lease', '==', leaseId)
        .then(client.delete().key(keys.leader()))
        .commit();
    } catch (error) {
      this.logger.warn({
        msg: 'resign failed; the lease will expire by itself',
        err: (error as Error).message,
      });
    }
    await this.session.revoke();
    this.setLeading(false);
  }

  /** Reads the current leader, if any. */
  async leader(): Promise<LeaderRecord | undefined> {
    const value = await this.etcd.client.get(this.etcd.keys.leader()).string();
    return value ? (JSON.parse(value) as LeaderRecord) : undefined;
  }

  async masters(): Promise<MasterInfo[]> {
    const all = await prefixStrings(this.etcd.client, this.etcd.keys.mastersPrefix());
    return Object.values(all)
      .map((value) => JSON.parse(value) as MasterInfo)
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
