import { hostname, networkInterfaces } from 'node:os';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { SessionClock } from '../etcd/session-clock';
import { WorkerInfo } from './worker.model';
import { WorkerRegistryRepository } from './worker-registry.repository';

const RETRY_MS = 1000;

type LostListener = (leaseId: string) => void;

/**
 * This worker's etcd session: a lease kept alive every TTL/3 by our own loop, the registration
 * `workers/<workerId>` on it, and the rule for when claims are allowed (SessionClock). When etcd
 * says the lease is gone, or it may have expired because keep-alives failed, listeners hear
 * `lost` and the worker registers again under a new lease.
 */
@Injectable()
export class WorkerSessionService {
  private readonly logger = new Logger(WorkerSessionService.name);
  private readonly clock: SessionClock;
  private readonly lostListeners: LostListener[] = [];
  private readonly registeredListeners: (() => void)[] = [];
  private readonly renewedListeners: ((leaseId: string) => void)[] = [];
  private saturated = false;
  private lease?: string;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** Deregistered for shutdown: the lease lives on for the running keys, nothing registers again. */
  private withdrawn = false;
  private readonly startedAt = new Date().toISOString();

  constructor(
    private readonly config: AppConfig,
    private readonly registry: WorkerRegistryRepository,
  ) {
    this.clock = new SessionClock(Math.max(500, this.ttlMs / 3));
  }

  get workerId(): string {
    return this.config.WORKER_ID;
  }

  get labels(): Record<string, string> {
    return this.config.workerLabels;
  }

  /** The current session lease, while one is held. */
  get leaseId(): string | undefined {
    return this.lease;
  }

  private get ttlMs(): number {
    return this.config.SESSION_TTL_SECONDS * 1000;
  }

  canClaim(now = Date.now()): boolean {
    return !this.stopped && !this.withdrawn && this.lease !== undefined && this.clock.canClaim(now);
  }

  /**
   * The lease is certainly alive and far from expiry, whether or not this worker still claims
   * (it does not once it is shutting down): what a claim made under it needs to start.
   */
  vouched(now = Date.now()): boolean {
    return this.lease !== undefined && this.clock.canClaim(now);
  }

  onLost(listener: LostListener): void {
    this.lostListeners.push(listener);
  }

  onRegistered(listener: () => void): void {
    this.registeredListeners.push(listener);
  }

  /** Each keep-alive etcd answered for a live lease (claims are allowed again, if they were not). */
  onRenewed(listener: (leaseId: string) => void): void {
    this.renewedListeners.push(listener);
  }

  /**
   * Says in the registration whether ticks wait here for a free slot, so other workers help with
   * this worker's jobs (one write per change; the caller limits how often it changes).
   */
  async setSaturated(saturated: boolean): Promise<void> {
    this.saturated = saturated;
    const lease = this.lease;
    if (lease === undefined || this.withdrawn || this.stopped) return;
    await this.registry.register(this.info(), lease);
  }

  info(): WorkerInfo {
    return {
      id: this.workerId,
      host: hostname(),
      ip: firstAddress(),
      pid: process.pid,
      labels: this.labels,
      capacity: this.config.WORKER_MAX_CONCURRENT,
      saturated: this.saturated,
      version: process.env.npm_package_version ?? '0.1.0',
      startedAt: this.startedAt,
    };
  }

  /** Registers, retrying in the background until etcd answers. */
  start(): void {
    this.stopped = false;
    void this.register();
  }

  private async register(): Promise<void> {
    if (this.stopped || this.withdrawn) return;
    try {
      const sentAt = Date.now();
      const lease = await this.registry.grantLease(this.config.SESSION_TTL_SECONDS);
      this.clock.reset();
      this.clock.renewed(sentAt, lease.ttlSeconds);
      await this.registry.register(this.info(), lease.id);
      this.lease = lease.id;
      this.logger.log({
        msg: 'worker registered',
        workerId: this.workerId,
        leaseId: lease.id,
        ttlSeconds: lease.ttlSeconds,
      });
      this.schedule(this.ttlMs / 3);
      for (const listener of this.registeredListeners) listener();
    } catch (error) {
      this.logger.warn({
        msg: 'registration failed; retrying',
        workerId: this.workerId,
        err: (error as Error).message,
      });
      this.schedule(RETRY_MS, () => this.register());
    }
  }

  private schedule(delayMs: number, action: () => Promise<void> = () => this.keepAlive()): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void action(), delayMs);
  }

  private async keepAlive(): Promise<void> {
    const lease = this.lease;
    if (this.stopped || lease === undefined) return;
    const sentAt = Date.now();
    try {
      const ttl = await this.registry.keepAlive(lease, this.ttlMs / 3);
      if (lease !== this.lease) return;
      if (ttl <= 0) return this.lose(lease, 'etcd reports the session lease expired');
      this.clock.renewed(sentAt, ttl);
      this.schedule(this.ttlMs / 3);
      for (const listener of this.renewedListeners) listener(lease);
    } catch (error) {
      if (lease !== this.lease) return;
      const now = Date.now();
      if (this.clock.mayHaveExpired(now)) {
        return this.lose(
          lease,
          `keep-alives failed past the lease TTL: ${(error as Error).message}`,
        );
      }
      this.logger.warn({
        msg: 'session keep-alive failed',
        workerId: this.workerId,
        err: (error as Error).message,
        canClaim: this.clock.canClaim(now),
      });
      this.schedule(Math.min(RETRY_MS, this.ttlMs / 6));
    }
  }

  private lose(lease: string, reason: string): void {
    this.logger.warn({
      msg: 'session lease lost; registering again',
      workerId: this.workerId,
      leaseId: lease,
      reason,
    });
    this.lease = undefined;
    this.clock.reset();
    for (const listener of this.lostListeners) listener(lease);
    void this.register();
  }

  /**
   * Shutdown's first step: removes the registration so the other workers take this worker's jobs
   * at once instead of after the drain, while the lease (and the running keys on it) stays alive
   * until stop().
   */
  async withdraw(): Promise<void> {
    this.withdrawn = true;
    try {
      await this.registry.deregister(this.workerId);
      this.logger.log({
        msg: 'worker withdrawn: its jobs move to the others',
        workerId: this.workerId,
      });
    } catch (error) {
      this.logger.warn({
        msg: 'withdrawal failed; the jobs move when the lease ends',
        workerId: this.workerId,
        err: (error as Error).message,
      });
    }
  }

  /** Stops keep-alives and removes the registration; revoking the lease drops running keys too. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const lease = this.lease;
    this.lease = undefined;
    if (lease === undefined) return;
    try {
      await this.registry.deregister(this.workerId);
      await this.registry.revokeLease(lease);
      this.logger.log({ msg: 'worker deregistered', workerId: this.workerId });
    } catch (error) {
      this.logger.warn({
        msg: 'deregistration failed; the lease will expire',
        workerId: this.workerId,
        err: (error as Error).message,
      });
    }
  }
}

function firstAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const address of list ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return '127.0.0.1';
}
