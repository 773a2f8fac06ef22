/** Ticks have waited for a slot this long without a break: the worker says it is saturated. */
export const SATURATED_AFTER_MS = 500;
/** No tick has waited for this long: the worker says it is no longer saturated. */
export const RELIEVED_AFTER_MS = 3000;

/**
 * Whether a worker is saturated, with hysteresis, from samples of "some tick is waiting for a
 * slot". Each change is one etcd write (the worker's registration), so the state changes only
 * after it has held for a while: at most one change per SATURATED_AFTER_MS + RELIEVED_AFTER_MS.
 * Pure: the caller passes the time and publishes what `sample` returns.
 */
export class SaturationSignal {
  private state = false;
  /** When the current run of samples that disagree with `state` began. */
  private disagreeingSince?: number;

  constructor(
    private readonly onAfterMs = SATURATED_AFTER_MS,
    private readonly offAfterMs = RELIEVED_AFTER_MS,
  ) {}

  get saturated(): boolean {
    return this.state;
  }

  /** Feeds one sample; returns the new state when it changes, else undefined. */
  sample(waiting: boolean, now: number): boolean | undefined {
    if (waiting === this.state) {
      this.disagreeingSince = undefined;
      return undefined;
    }
    this.disagreeingSince ??= now;
    const after = waiting ? this.onAfterMs : this.offAfterMs;
    if (now - this.disagreeingSince < after) return undefined;
    this.state = waiting;
    this.disagreeingSince = undefined;
    return waiting;
  }

  /** Forgets the state (a new session registers as not saturated). */
  reset(): void {
    this.state = false;
    this.disagreeingSince = undefined;
  }
}
