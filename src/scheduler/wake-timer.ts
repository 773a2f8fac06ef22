/**
 * When the scheduler's loop runs next: one pending timer, which a sooner wake replaces and a
 * later one leaves alone, so that any number of wakes between two passes cost one timer.
 */
export class WakeTimer {
  private timer?: NodeJS.Timeout;
  private at = 0;
  private stopped = false;

  constructor(
    private readonly pass: () => void,
    private readonly minDelayMs: number,
  ) {}

  /** Makes sure a pass runs by `at`; an earlier pass already planned stays. */
  by(at: number): void {
    if (this.stopped) return;
    if (this.timer && this.at <= at) return;
    clearTimeout(this.timer);
    const delay = Math.max(this.minDelayMs, at - Date.now());
    this.at = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pass();
    }, delay);
  }

  /** A pass runs now: what was planned is void. */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** No pass runs any more. */
  stop(): void {
    this.stopped = true;
    this.cancel();
  }
}
