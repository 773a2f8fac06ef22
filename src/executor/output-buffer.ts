/**
 * Captured output of one run, capped at `capBytes`: keeps the first half and the last half of
 * what was written and drops the middle, so both the start-up messages and the final error of a
 * chatty command survive. Bytes, not characters: the cap is what MongoDB stores.
 */
export class OutputBuffer {
  private readonly headCap: number;
  private readonly tailCap: number;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private dropped = 0;

  constructor(capBytes: number) {
    this.headCap = Math.ceil(capBytes / 2);
    this.tailCap = Math.floor(capBytes / 2);
  }

  /** Total bytes written so far. */
  get written(): number {
    return this.headBytes + this.tailBytes + this.dropped;
  }

  get truncated(): boolean {
    return this.dropped > 0;
  }

  write(chunk: Buffer): void {
    let rest = chunk;
    if (this.headBytes < this.headCap) {
      const take = Math.min(this.headCap - this.headBytes, rest.length);
      this.head.push(rest.subarray(0, take));
      this.headBytes += take;
      rest = rest.subarray(take);
    }
    if (rest.length === 0) return;
    this.tail.push(rest);
    this.tailBytes += rest.length;
    this.trimTail();
  }

  private trimTail(): void {
    while (this.tailBytes > this.tailCap && this.tail.length > 0) {
      const over = this.tailBytes - this.tailCap;
      const first = this.tail[0];
      if (first.length <= over) {
        this.tail.shift();
        this.tailBytes -= first.length;
        this.dropped += first.length;
      } else {
        this.tail[0] = first.subarray(over);
        this.tailBytes -= over;
        this.dropped += over;
      }
    }
  }

  /** The kept output; a marker line stands where bytes were dropped. */
  toString(): string {
    const head = Buffer.concat(this.head).toString('utf8');
    const tail = Buffer.concat(this.tail).toString('utf8');
    if (!this.truncated) return head + tail;
    return `${head}\n[... ${this.dropped} bytes truncated ...]\n${tail}`;
  }
}
