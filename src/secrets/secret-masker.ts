/** Values shorter than this are not masked: masking `a` would blank out most output. */
export const MIN_MASKED_LENGTH = 4;
const MASK = Buffer.from('***');

/**
 * Replaces every occurrence of the given values in a byte stream by `***`, however the stream
 * is cut into chunks: the last (longest value - 1) bytes of what arrived are held back until
 * more comes or the stream ends, so a value straddling two chunks is still found whole.
 * Overlapping values: the earliest occurrence wins, the longest at the same place.
 */
export class SecretMasker {
  private readonly values: Buffer[];
  private readonly hold: number;
  private pending: Buffer = Buffer.alloc(0);

  constructor(values: Iterable<string>) {
    const unique = new Set([...values].filter((v) => Buffer.byteLength(v) >= MIN_MASKED_LENGTH));
    this.values = [...unique].map((v) => Buffer.from(v)).sort((a, b) => b.length - a.length);
    this.hold = this.values.length === 0 ? 0 : this.values[0].length - 1;
  }

  get active(): boolean {
    return this.values.length > 0;
  }

  /** What can be let through of `chunk` now. */
  push(chunk: Buffer): Buffer {
    if (!this.active) return chunk;
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const { out, rest } = this.scan(data, data.length - this.hold);
    this.pending = rest;
    return out;
  }

  /** The rest, at the end of the stream. */
  end(): Buffer {
    if (!this.active) return Buffer.alloc(0);
    const { out } = this.scan(this.pending, this.pending.length);
    this.pending = Buffer.alloc(0);
    return out;
  }

  /** Masks matches starting before `limit` (each lies wholly in `data`); the rest is held. */
  private scan(data: Buffer, limit: number): { out: Buffer; rest: Buffer } {
    const parts: Buffer[] = [];
    let at = 0;
    while (at < limit) {
      let found = -1;
      let length = 0;
      for (const value of this.values) {
        const index = data.indexOf(value, at);
        if (index >= 0 && index < limit && (found < 0 || index < found)) {
          found = index;
          length = value.length;
        }
      }
      if (found < 0) break;
      parts.push(data.subarray(at, found), MASK);
      at = found + length;
    }
    const emitTo = Math.max(at, limit);
    parts.push(data.subarray(at, emitTo));
    return { out: Buffer.concat(parts), rest: Buffer.from(data.subarray(emitTo)) };
  }
}
