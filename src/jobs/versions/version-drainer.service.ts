import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { JobVersionRecorder } from './job-version-recorder';
import { VersionOutbox } from './version-outbox';

/** How often a master looks for versions left in etcd (MongoDB was away when they were made). */
export const DRAIN_INTERVAL_MS = 5000;
const DRAIN_BATCH = 100;

/**
 * Copies versions that wait in etcd's outbox into MongoDB. Every master runs it: copies are
 * idempotent (a unique index on namespace, job, version) and a version's number was fixed when
 * its change landed, so the order of copying does not matter.
 */
@Injectable()
export class VersionDrainer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(VersionDrainer.name);
  private timer?: NodeJS.Timeout;
  private draining?: Promise<unknown>;

  constructor(
    private readonly outbox: VersionOutbox,
    private readonly recorder: JobVersionRecorder,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.trigger(), DRAIN_INTERVAL_MS);
    this.timer.unref();
    this.trigger();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private trigger(): void {
    if (this.draining) return;
    this.draining = this.drain()
      .catch((error: Error) =>
        this.logger.warn({ msg: 'version outbox not drained', err: error.message }),
      )
      .finally(() => (this.draining = undefined));
  }

  /** One pass: up to DRAIN_BATCH versions; the number copied. */
  async drain(): Promise<number> {
    const pending = await this.outbox.pending(DRAIN_BATCH);
    if (pending.length === 0) return 0;
    const copied = await this.recorder.copy(
      pending.map((entry) => entry.version),
      pending.map((entry) => entry.key),
    );
    if (copied)
      this.logger.log({ msg: 'versions copied from the etcd outbox', count: pending.length });
    return copied ? pending.length : 0;
  }
}
