import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { RunLogOp } from './run-record';

/** A segment is closed after this many operations or bytes, whichever comes first. */
export const SEGMENT_MAX_OPS = 1000;
export const SEGMENT_MAX_BYTES = 8 * 1024 * 1024;

/** One file of the journal. */
interface Segment {
  readonly file: string;
  /** Open while operations are appended to it; closed once it is full (or broken). */
  fd?: number;
  /** Operations written to it. */
  ops: number;
  /** Bytes of whole operations in the file (a torn write is cut back to this length). */
  bytes: number;
  /** Operations in it that are not durable elsewhere yet. */
  pending: number;
}

/** What `append` hands out for one operation; give it back to `release` once it is durable. */
export interface JournalEntry {
  segment?: Segment;
}

/**
 * Why it exists: RunLogService keeps accepted run records in memory until the next batch reaches
 * MongoDB (RUNLOG_FLUSH_MS, longer when MongoDB is slow), while the tick's claim has already
 * moved in etcd. A SIGKILL in that window used to lose the records, leaving ticks neither run nor
 * recorded (RELIABILITY.md, problem 3). So every accepted operation is first appended to this
 * local journal, synchronously, before `started()`/`finished()` return.
 *
 * No fsync: `write(2)` puts the line in the kernel's page cache, which survives the death of the
 * process (SIGKILL, OOM kill, crash) and reaches the disk on its own; only a crash of the machine
 * itself can lose it, and an fsync per operation would cost milliseconds at ~1000 operations/s.
 *
 * The journal is split in segments (SEGMENT_MAX_OPS or SEGMENT_MAX_BYTES); each counts the
 * operations in it not yet durable elsewhere (in MongoDB or in the spool), and is deleted when that
 * count drops to zero. Files are named `<name>.journal-<process tag>-<n>.jsonl`, one JSON
 * operation per line like the spool, so segments left by an earlier process (`leftovers()`) are
 * handed to RunSpool and replayed like spool files. The journal never throws: when it cannot
 * write (disk full), the operation goes on in memory only and the failure is logged once per burst.
 */
export class RunJournal {
  private readonly logger = new Logger(RunJournal.name);
  /** Tells this instance's segments from those of earlier processes. */
  private readonly tag = `${Date.now()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private sequence = 0;
  private current?: Segment;
  /** Segments on disk that still hold operations not durable elsewhere (the current one too). */
  private readonly live = new Set<Segment>();
  /** Operations not journaled since the journal started failing; undefined while it works. */
  private unjournaled?: number;

  constructor(
    private readonly dir: string,
    private readonly name: string,
    private readonly maxOps = SEGMENT_MAX_OPS,
    private readonly maxBytes = SEGMENT_MAX_BYTES,
  ) {}

  /** Appends one operation; the handle says where it went (nothing when the write failed). */
  append(op: RunLogOp): JournalEntry {
    const line = Buffer.from(JSON.stringify(op) + '\n');
    let segment: Segment | undefined;
    try {
      segment = this.current ?? this.open();
      for (let done = 0; done < line.length;) {
        const written = writeSync(segment.fd!, line, done, line.length - done);
        if (written === 0) throw new Error('journal write made no progress');
        done += written;
      }
    } catch (error) {
      this.failed(error as Error, segment);
      return {};
    }
    segment.ops += 1;
    segment.bytes += line.length;
    segment.pending += 1;
    this.recovered();
    if (segment.ops >= this.maxOps || segment.bytes >= this.maxBytes) this.seal(segment);
    return { segment };
  }

  /** The operation is durable in MongoDB or in the spool; deletes its segment when it was the last. */
  release(entry: JournalEntry): void {
    const segment = entry.segment;
    if (!segment) return;
    entry.segment = undefined;
    if (--segment.pending > 0) return;
    // Every operation in it is durable: the current segment too is done with (the next append
    // starts a new one), so an idle worker keeps no journal on disk.
    this.seal(segment);
  }

  /** Bytes of the journal on disk (operations not yet durable elsewhere, and their neighbours). */
  bytes(): number {
    let total = 0;
    for (const segment of this.live) total += segment.bytes;
    return total;
  }

  /** Operations journaled and not yet released. */
  pending(): number {
    let total = 0;
    for (const segment of this.live) total += segment.pending;
    return total;
  }

  /** Segments written by earlier processes with the same name, oldest first. */
  leftovers(): string[] {
    if (!existsSync(this.dir)) return [];
    // Strict, so that worker `w` never takes the journal of a worker named `w.journal-1`.
    const name = this.name.replace(/[.]/g, '\\.');
    const segment = new RegExp(`^${name}\\.journal-\\d+-\\d+-[0-9a-f]{6}-\\d{8,}\\.jsonl$`);
    const own = `${this.name}.journal-${this.tag}-`;
    return readdirSync(this.dir)
      .filter((file) => segment.test(file) && !file.startsWith(own))
      .sort()
      .map((file) => join(this.dir, file));
  }

  /**
   * Shutdown: closes the current segment, deleting it when everything in it is durable. Segments
   * still holding operations stay for the next process to replay.
   */
  close(): void {
    if (this.current) this.seal(this.current);
  }

  /** No more appends to this segment; deleted now if nothing in it is pending. */
  private seal(segment: Segment): void {
    if (segment === this.current) this.current = undefined;
    if (segment.fd !== undefined) {
      try {
        closeSync(segment.fd);
      } catch {
        // nothing to do about it; the data is in the page cache already
      }
      segment.fd = undefined;
    }
    if (segment.pending === 0) this.delete(segment);
  }

  private open(): Segment {
    mkdirSync(this.dir, { recursive: true });
    const n = String(++this.sequence).padStart(8, '0');
    const file = join(this.dir, `${this.name}.journal-${this.tag}-${n}.jsonl`);
    const segment: Segment = { file, fd: openSync(file, 'ax'), ops: 0, bytes: 0, pending: 0 };
    this.live.add(segment);
    this.current = segment;
    return segment;
  }

  private delete(segment: Segment): void {
    if (!this.live.delete(segment)) return;
    try {
      unlinkSync(segment.file);
    } catch (error) {
      // Left on disk, it is replayed by the next start: harmless, the writes are idempotent.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.logger.warn({
          msg: 'run log journal segment not deleted',
          file: segment.file,
          err: (error as Error).message,
        });
      }
    }
  }

  private failed(error: Error, segment: Segment | undefined): void {
    if (segment?.fd !== undefined) {
      try {
        // A write cut short leaves a torn line that would swallow the next one: cut it off.
        ftruncateSync(segment.fd, segment.bytes);
      } catch {
        this.seal(segment);
      }
    }
    if (this.unjournaled === undefined) {
      this.unjournaled = 0;
      this.logger.error({
        msg: 'run log journal not writable; records stay in memory only until MongoDB has them',
        dir: this.dir,
        err: error.message,
      });
    }
    this.unjournaled += 1;
  }

  private recovered(): void {
    if (this.unjournaled === undefined) return;
    this.logger.warn({ msg: 'run log journal writable again', unjournaled: this.unjournaled });
    this.unjournaled = undefined;
  }
}
