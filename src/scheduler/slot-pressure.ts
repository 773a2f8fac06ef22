import { Logger } from '@nestjs/common';
import { RunnerService } from './runner.service';
import { SaturationSignal } from './saturation';
import { SlotWaiters } from './slot-waiters';

/**
 * Ticks that wait for a free slot, and what follows from them: when slots free, the waiting jobs
 * are admitted (on-time ones first), and a worker whose ticks keep waiting says so in its
 * registration, so that other workers help (docs/coordination.md, "Work moves").
 */
export class SlotPressure {
  private readonly logger = new Logger(SlotPressure.name);
  readonly waiting: SlotWaiters;
  private readonly saturation = new SaturationSignal();
  private admitting = false;

  constructor(
    private readonly runner: Pick<RunnerService, 'freeSlots' | 'activeCount' | 'onSlotFreed'>,
    private readonly workerId: string,
    /** Publishes the worker's saturation in its registration. */
    private readonly publish: (saturated: boolean) => Promise<void>,
    /** Jobs that may claim their waiting tick now. */
    private readonly admitted: (names: string[]) => void,
  ) {
    this.waiting = new SlotWaiters((kind) => runner.freeSlots(kind));
    runner.onSlotFreed(() => this.onSlotFreed());
  }

  get saturated(): boolean {
    return this.saturation.saturated;
  }

  /** Says in the registration when ticks have been waiting for slots (other workers help). */
  sample(now: number): void {
    const change = this.saturation.sample(this.waiting.size > 0, now);
    if (change === undefined) return;
    this.logger.warn({
      msg: change
        ? 'worker saturated: ticks wait for slots; asking for help'
        : 'worker no longer saturated',
      workerId: this.workerId,
      waitingForSlot: this.waiting.size,
      running: this.runner.activeCount,
    });
    this.publishOrWarn(change);
  }

  /** The session was lost: the next registration starts unsaturated. */
  reset(): void {
    this.saturation.reset();
    this.publishOrWarn(false);
  }

  /** Slots freed (runs ended, claims answered): admitted once per turn of the event loop. */
  private onSlotFreed(): void {
    if (this.admitting || this.waiting.size === 0) return;
    this.admitting = true;
    setImmediate(() => {
      this.admitting = false;
      const names = this.waiting.admit();
      if (names.length > 0) this.admitted(names);
    });
  }

  private publishOrWarn(saturated: boolean): void {
    void this.publish(saturated).catch((error: Error) =>
      this.logger.warn({
        msg: 'could not publish saturation',
        workerId: this.workerId,
        err: error.message,
      }),
    );
  }
}
