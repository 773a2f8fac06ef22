import { DueQueue } from './due-queue';
import { SlotKind } from './run-slots';

/**
 * Jobs whose next tick waits for a free slot, by that tick. When slots free, on-time ticks get
 * them first (oldest first), then late ones (catch-up, help) within their share. No I/O: the
 * free slots of each kind come from the runner.
 */
export class SlotWaiters {
  private readonly queues: Record<SlotKind, DueQueue<string>> = {
    onTime: new DueQueue(),
    late: new DueQueue(),
  };

  constructor(private readonly freeSlots: (kind: SlotKind) => number) {}

  get size(): number {
    return this.queues.onTime.size + this.queues.late.size;
  }

  names(): string[] {
    return [...this.queues.onTime.keys(), ...this.queues.late.keys()];
  }

  park(name: string, kind: SlotKind, tick: number): void {
    this.forget(name);
    this.queues[kind].set(name, tick);
  }

  forget(name: string): void {
    this.queues.onTime.set(name, undefined);
    this.queues.late.set(name, undefined);
  }

  /** Takes the parked jobs that get a slot now, on-time ones first. */
  admit(): string[] {
    const onTime = this.queues.onTime.takeFirst(this.freeSlots('onTime'));
    const lateSlots = Math.min(this.freeSlots('late'), this.freeSlots('onTime') - onTime.length);
    return [...onTime, ...this.queues.late.takeFirst(Math.max(0, lateSlots))];
  }
}
