import {
  appendFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { RunLogOp } from './run-record';

/**
 * An append-only file of run-log operations that could not reach MongoDB, one JSON line each.
 * Replay renames the file first, so new appends go to a fresh file while the old one is read;
 * a crash mid-replay leaves the renamed file, which is replayed at the next start (writes are
 * idempotent upserts, so replaying twice is harmless). Files in the same format written elsewhere
 * (journal segments left by an earlier process) join the replay through `adopt`.
 */
export class RunSpool {
  private readonly active: string;
  private sequence = 0;

  constructor(
    private readonly dir: string,
    private readonly name: string,
  ) {
    this.active = join(dir, `${name}.jsonl`);
  }

  append(ops: RunLogOp[]): void {
    if (ops.length === 0) return;
    mkdirSync(this.dir, { recursive: true });
    appendFileSync(this.active, ops.map((op) => JSON.stringify(op)).join('\n') + '\n');
  }

  /** True when there is something to replay. */
  pending(): boolean {
    return this.replayFiles().length > 0 || existsSync(this.active);
  }

  /** Bytes waiting on disk (active file and files set aside for replay). */
  bytes(): number {
    let total = 0;
    for (const file of [this.active, ...this.replayFiles()]) {
      try {
        total += statSync(file).size;
      } catch {
        // not there: nothing waiting
      }
    }
    return total;
  }

  /** Moves the active file aside; returns every file waiting for replay, oldest first. */
  takeForReplay(): string[] {
    if (existsSync(this.active)) renameSync(this.active, this.replayName());
    return this.replayFiles();
  }

  /** Moves files of operations (same format) into the replay set, keeping their order. */
  adopt(files: string[]): void {
    for (const file of files) renameSync(file, this.replayName());
  }

  /** Unique even for two renames within one millisecond, which would otherwise overwrite. */
  private replayName(): string {
    const n = String(++this.sequence).padStart(8, '0');
    return join(this.dir, `${this.name}.replay-${Date.now()}-${process.pid}-${n}.jsonl`);
  }

  private replayFiles(): string[] {
    if (!existsSync(this.dir)) return [];
    const prefix = `${this.name}.replay-`;
    return readdirSync(this.dir)
      .filter((file) => file.startsWith(prefix) && file.endsWith('.jsonl'))
      .sort()
      .map((file) => join(this.dir, file));
  }

  /** Reads a spool file in batches of `size` operations. */
  static async *batches(file: string, size: number): AsyncGenerator<RunLogOp[]> {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    let batch: RunLogOp[] = [];
    for await (const line of lines) {
      if (line.trim() === '') continue;
      try {
        batch.push(JSON.parse(line) as RunLogOp);
      } catch {
        // A torn last line from a crash mid-append: nothing recoverable in it.
        continue;
      }
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  static remove(file: string): void {
    unlinkSync(file);
  }
}
