/**
 * `onTime`: a tick due now, a manual run or a retry; `late`: a catch-up tick, or one this worker
 * takes over from a saturated owner. Late work fills at most LATE_SHARE of the slots, so a
 * backlog never takes the slots of the ticks that are due now.
 */
export type SlotKind = 'onTime' | 'late';
const LATE_SHARE = 0.75;

/**
 * A worker's run slots (WORKER_MAX_CONCURRENT): the runs active here, per job too, and the slots
 * held by claims still in flight. Listeners hear of every slot that frees.
 */
export class RunSlots {
  private running = 0;
  private reserved = 0;
  private readonly perJob = new Map<string, number>();
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly max: number) {}

  get active(): number {
    return this.running;
  }

  /** Slots `kind` may still take. */
  free(kind: SlotKind): number {
    const limit = kind === 'onTime' ? this.max : Math.max(1, Math.floor(this.max * LATE_SHARE));
    return Math.max(0, limit - this.running - this.reserved);
  }

  /**
   * Holds a slot while a claim is in flight (call the result to give it back), or undefined when
   * `kind` has none free: the tick then waits, unclaimed, until a slot frees.
   */
  tryReserve(kind: SlotKind): (() => void) | undefined {
    if (this.free(kind) === 0) return undefined;
    this.reserved += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.reserved -= 1;
      this.freed();
    };
  }

  onFreed(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** A run of `job` became active here. */
  take(job: string): void {
    this.running += 1;
    this.perJob.set(job, this.runningOf(job) + 1);
  }

  /** A run of `job` ended here. */
  give(job: string): void {
    this.running -= 1;
    const left = this.runningOf(job) - 1;
    if (left > 0) this.perJob.set(job, left);
    else this.perJob.delete(job);
    this.freed();
  }

  /** Runs of `job` active here. */
  runningOf(job: string): number {
    return this.perJob.get(job) ?? 0;
  }

  private freed(): void {
    for (const listener of this.listeners) listener();
  }
}
