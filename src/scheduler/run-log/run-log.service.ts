import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { RunLogRepository } from './run-log.repository';
import { RunLogOp, RunRecord } from './run-record';
import { MetricsService } from '../../metrics/metrics.service';
import { RunSpool } from './run-spool';
import { JournalEntry, RunJournal } from './run-journal';

interface Pending {
  op: RunLogOp;
  durable: () => void;
}

interface HeldStart {
  op: RunLogOp;
  journaled: JournalEntry;
  /** Set once the process has started. */
  timer?: NodeJS.Timeout;
  durable: () => void;
}

/** A batch that is not full is written after this delay once more is queued behind it. */
const NEXT_BATCH_MS = 50;
const REPLAY_EVERY_MS = 1000;
/** Batches queued at most (the oldest go to the spool past that), and merged when behind. */
const BACKLOG_BATCHES = 10;

/**
 * The worker's run log. Every start and completion is first appended to a local journal
 * (RunJournal), before `started()`/`finished()` return, so that it survives a SIGKILL; then it is
 * queued and written in batches (RUNLOG_BATCH_SIZE or RUNLOG_FLUSH_MS, whichever comes first) as
 * unordered idempotent upserts. When MongoDB cannot take a batch, the batch goes to an append-only
 * spool file, replayed once MongoDB answers again; journal segments left by an earlier process
 * are replayed the same way. Memory is bounded: past ten batches, the oldest queued operations go
 * to the spool at once. Each operation's promise resolves when it is durable: in MongoDB or in the
 * spool file; its journal line is released then.
 */
@Injectable()
export class RunLogService {
  private readonly logger = new Logger(RunLogService.name);
  private readonly spool: RunSpool;
  private readonly journal: RunJournal;
  private queue: Pending[] = [];
  /** Start operations still queued, by runId: a completion replaces its start in place. */
  private readonly queuedStarts = new Map<string, Pending>();
  /**
   * Starts not queued yet: a run that ends within RUNLOG_FLUSH_MS of its start is written once,
   * as its final record, instead of a `running` record, its outcome and the delete of the first:
   * at hundreds of short runs per second that halves the writes.
   */
  private readonly heldStarts = new Map<string, HeldStart>();
  private timer?: NodeJS.Timeout;
  private timerDue = 0;
  private flushing?: Promise<void>;
  private replaying?: Promise<void>;
  private replayTimer?: NodeJS.Timeout;
  private spoolFailed = false;

  constructor(
    private readonly config: AppConfig,
    private readonly repository: RunLogRepository,
    private readonly metrics: MetricsService,
  ) {
    this.spool = new RunSpool(config.RUNLOG_SPOOL_DIR, `runlog-${config.WORKER_ID}`);
    this.journal = new RunJournal(config.RUNLOG_SPOOL_DIR, `runlog-${config.WORKER_ID}`);
    this.adoptLeftoverJournal();
    metrics.onScrape(() => {
      metrics.runLogQueue.set(this.queue.length);
      metrics.runLogSpoolBytes.set(this.spool.bytes());
    });
  }

  /**
   * Operations waiting in memory, whether a write is in flight, and the journal's size on disk
   * (for the stats log; the spool gauge leaves the journal out, it is never empty under load).
   */
  stats(): { queued: number; writing: boolean; journalBytes: number } {
    return {
      queued: this.queue.length,
      writing: this.flushing !== undefined,
      journalBytes: this.journal.bytes(),
    };
  }

  /** A SIGKILLed process with our WORKER_ID left journal segments: they join the spool's replay. */
  private adoptLeftoverJournal(): void {
    try {
      const files = this.journal.leftovers();
      this.spool.adopt(files);
      if (files.length > 0) {
        this.logger.warn({ msg: 'run log journal of an earlier process to replay', files });
      }
    } catch (error) {
      // They stay where they are and are tried again at the next start.
      this.logger.error({
        msg: 'run log journal of an earlier process not taken for replay',
        err: (error as Error).message,
      });
    }
  }

  private get batchSize(): number {
    return this.config.RUNLOG_BATCH_SIZE;
  }

  private get maxQueued(): number {
    return this.batchSize * BACKLOG_BATCHES;
  }

  /**
   * A batch's cost on FerretDB v1 is mostly per statement, not per record: its delete by runId
   * scans all of `runs_active` whatever the number of ids. So a worker that is behind (a full
   * batch waiting behind the next one, a spool to replay) writes up to BACKLOG_BATCHES batches
   * in one, and catches up instead of falling further behind.
   */
  private get backlogBatchSize(): number {
    return this.batchSize * BACKLOG_BATCHES;
  }

  /** Starts the replay loop (spool files left by an earlier process are replayed too). */
  start(): void {
    this.replayTimer = setInterval(() => this.replaySoon(), REPLAY_EVERY_MS);
  }

  /**
   * Records a run's start; journaled before this returns, queued for MongoDB RUNLOG_FLUSH_MS
   * after its process starts (processStarted). A run that ends before then is written once, as
   * its final record.
   */
  started(run: RunRecord): Promise<void> {
    const op: RunLogOp = { kind: 'start', run };
    const journaled = this.journal.append(op);
    return new Promise<void>((durable) => {
      this.heldStarts.set(run.runId, { op, journaled, durable });
    });
  }

  /**
   * The run's process has started: its `running` record is queued RUNLOG_FLUSH_MS from now unless
   * the run ends first. Counted from the process's start, not from the claim, so a short run stays
   * one insert even when it waited for its tick or its turn to spawn (a backlog), instead of two
   * inserts and a delete.
   */
  processStarted(runId: string, start: Pick<RunRecord, 'startedAt' | 'latenessMs'>): void {
    const held = this.heldStarts.get(runId);
    if (!held) return;
    held.op = { ...held.op, run: { ...held.op.run, ...start } };
    clearTimeout(held.timer);
    held.timer = setTimeout(() => this.queueHeldStart(runId), this.config.RUNLOG_FLUSH_MS);
  }

  /** The run is still going after RUNLOG_FLUSH_MS: its `running` record goes with the next batch. */
  private queueHeldStart(runId: string): void {
    const held = this.heldStarts.get(runId);
    if (!held) return;
    this.heldStarts.delete(runId);
    clearTimeout(held.timer);
    void this.enqueue(held.op, held.journaled).then(held.durable);
  }

  /**
   * Forgets the start of a run whose process never started and which another worker will run
   * under the same run id (a claim handed back): nothing of it is written here.
   */
  withdraw(runId: string): void {
    const held = this.heldStarts.get(runId);
    if (!held) return;
    this.heldStarts.delete(runId);
    clearTimeout(held.timer);
    this.journal.release(held.journaled);
    held.durable();
  }

  /**
   * Writes `run` only if no record with its runId exists by then (a start's insert-if-absent):
   * for a tick whose claim is known but whose record may never have been written.
   */
  recordIfAbsent(run: RunRecord): Promise<void> {
    const op: RunLogOp = { kind: 'start', run };
    return this.enqueue(op, this.journal.append(op));
  }

  /** Records a run's outcome (or a skipped/missed tick); journaled before this returns. */
  finished(run: RunRecord): Promise<void> {
    const op: RunLogOp = { kind: 'final', run };
    const journaled = this.journal.append(op);
    const held = this.heldStarts.get(run.runId);
    if (held) {
      this.heldStarts.delete(run.runId);
      clearTimeout(held.timer);
      return this.enqueue(op, journaled).then(() => {
        this.journal.release(held.journaled);
        held.durable();
      });
    }
    const start = this.queuedStarts.get(run.runId);
    if (start) {
      this.queuedStarts.delete(run.runId);
      start.op = op;
      return new Promise<void>((resolve) => {
        const before = start.durable;
        start.durable = () => {
          before();
          this.journal.release(journaled);
          resolve();
        };
      });
    }
    return this.enqueue(op, journaled);
  }

  private enqueue(op: RunLogOp, journaled: JournalEntry): Promise<void> {
    return new Promise<void>((resolve) => {
      const durable = (): void => {
        this.journal.release(journaled);
        resolve();
      };
      const pending = { op, durable };
      this.queue.push(pending);
      if (op.kind === 'start') this.queuedStarts.set(op.run.runId, pending);
      if (this.queue.length > this.maxQueued) {
        const spilled = this.take(this.queue.length - this.batchSize);
        this.toSpool(spilled, 'run log queue over its bound');
      }
      this.flushWithin(this.queue.length >= this.batchSize ? 0 : this.config.RUNLOG_FLUSH_MS);
    });
  }

  /** Removes the oldest `count` operations from the queue (they are being written now). */
  private take(count: number): Pending[] {
    const batch = this.queue.splice(0, count);
    for (const pending of batch) {
      if (pending.op.kind === 'start') this.queuedStarts.delete(pending.op.run.runId);
    }
    return batch;
  }

  private flushWithin(delayMs: number): void {
    const due = Date.now() + delayMs;
    if (this.timer && this.timerDue <= due) return;
    clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
  }

  /** Writes one batch; schedules the next when more is queued. */
  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = this.flushBatch().finally(() => {
      this.flushing = undefined;
      if (this.queue.length === 0) return;
      // After a spool failure (disk full, say) wait a whole flush interval before trying again.
      const full = this.queue.length >= this.batchSize && !this.spoolFailed;
      this.flushWithin(this.spoolFailed ? this.config.RUNLOG_FLUSH_MS : full ? 0 : NEXT_BATCH_MS);
    });
    return this.flushing;
  }

  private async flushBatch(): Promise<void> {
    const behind = this.queue.length >= 2 * this.batchSize;
    const batch = this.take(behind ? this.backlogBatchSize : this.batchSize);
    if (batch.length === 0) return;
    if (!this.repository.connected) return this.toSpool(batch, 'MongoDB not connected');
    try {
      const { retry } = await this.repository.write(batch.map((p) => p.op));
      const failed = new Set(retry);
      this.metrics.runLogWritten.inc(batch.length - failed.size);
      this.toSpool(
        batch.filter((_, i) => failed.has(i)),
        'MongoDB rejected some records',
      );
      batch.filter((_, i) => !failed.has(i)).forEach((p) => p.durable());
    } catch (error) {
      this.toSpool(batch, `MongoDB write failed: ${(error as Error).message}`);
    }
  }

  private toSpool(batch: Pending[], reason: string): void {
    if (batch.length === 0) return;
    try {
      this.spool.append(batch.map((p) => p.op));
      this.logger.warn({ msg: 'run records spooled to disk', count: batch.length, reason });
      this.spoolFailed = false;
    } catch (error) {
      this.spoolFailed = true;
      // Not even the disk takes them: keep them queued rather than lose them.
      this.logger.error({
        msg: 'run log spool failed; keeping records in memory',
        err: (error as Error).message,
      });
      this.queue.unshift(...batch);
      return;
    }
    batch.forEach((p) => p.durable());
  }

  /**
   * Records on disk not in MongoDB yet: spooled, or journaled by an earlier process with this
   * WORKER_ID (its claims' records may be among them).
   */
  replayPending(): boolean {
    return this.replaying !== undefined || this.spool.pending();
  }

  private replaySoon(): void {
    if (this.replaying || !this.repository.connected || !this.spool.pending()) return;
    this.replaying = this.replay().finally(() => (this.replaying = undefined));
  }

  private async replay(): Promise<void> {
    for (const file of this.spool.takeForReplay()) {
      let count = 0;
      try {
        for await (const batch of RunSpool.batches(file, this.backlogBatchSize)) {
          const { retry } = await this.repository.write(batch);
          this.metrics.runLogWritten.inc(batch.length - retry.length);
          for (const index of retry) {
            this.logger.error({
              msg: 'run record rejected on replay; dropped',
              runId: batch[index].run.runId,
              job: batch[index].run.job,
            });
          }
          count += batch.length;
        }
        RunSpool.remove(file);
        this.logger.log({ msg: 'spooled run records replayed', count, file });
      } catch (error) {
        // MongoDB went away again; the file stays and is replayed from its start next time.
        this.logger.warn({
          msg: 'spool replay interrupted',
          file,
          replayed: count,
          err: (error as Error).message,
        });
        return;
      }
    }
  }

  /**
   * Graceful shutdown: everything queued becomes durable (MongoDB or spool), which empties the
   * journal; one replay try.
   */
  async drain(): Promise<void> {
    clearInterval(this.replayTimer);
    for (const runId of [...this.heldStarts.keys()]) this.queueHeldStart(runId);
    clearTimeout(this.timer);
    this.timer = undefined;
    let failures = 0;
    while (this.queue.length > 0 || this.flushing) {
      await this.flush();
      if (this.spoolFailed && ++failures >= 3) {
        // Neither MongoDB nor the disk takes them; do not hang the shutdown forever. Those the
        // journal holds are replayed by the next start with this WORKER_ID.
        this.logger.error({
          msg: 'run records not written at shutdown',
          count: this.queue.length,
          journaled: this.journal.pending(),
        });
        break;
      }
    }
    this.journal.close();
    await this.replaying;
    if (this.repository.connected && this.spool.pending()) await this.replay();
  }
}
