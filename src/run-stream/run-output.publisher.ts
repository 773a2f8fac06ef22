import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RunOutputRepository } from './run-output.repository';

const FLUSH_MS = 500;
const SWEEP_EVERY_MS = 10 * 60_000;
/** Chunks older than this are deleted; live readers follow runs that are running now. */
const KEEP_MS = 60 * 60_000;

interface LiveRun {
  seq: number;
  pending: Buffer[];
  bytes: number;
  capped: boolean;
  ended: boolean;
}

/**
 * Publishes a running run's output for live viewing: buffered per run, written every 500 ms as
 * numbered chunks, at most OUTPUT_CAP_BYTES per run. Best effort by design: while MongoDB is
 * away chunks are dropped (the run record still gets the full capped output at the end).
 */
@Injectable()
export class RunOutputPublisher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RunOutputPublisher.name);
  private readonly live = new Map<string, LiveRun>();
  private timer?: NodeJS.Timeout;
  private sweeper?: NodeJS.Timeout;
  private flushing = false;

  constructor(
    private readonly repository: RunOutputRepository,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.timer.unref();
    this.sweeper.unref();
  }

  begin(runId: string): void {
    this.live.set(runId, { seq: 0, pending: [], bytes: 0, capped: false, ended: false });
  }

  write(runId: string, chunk: Buffer): void {
    const run = this.live.get(runId);
    if (!run || run.capped) return;
    const room = this.config.OUTPUT_CAP_BYTES - run.bytes;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    run.pending.push(part);
    run.bytes += part.length;
    if (chunk.length > room) {
      run.capped = true;
      run.pending.push(
        Buffer.from('\n[... live output capped; the run record keeps head and tail ...]\n'),
      );
    }
  }

  /** The run ended: its last output is written with the next flush, then it is forgotten. */
  end(runId: string): void {
    const run = this.live.get(runId);
    if (run) run.ended = true;
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      const now = new Date();
      const chunks = [];
      for (const [runId, run] of this.live) {
        if (run.ended) this.live.delete(runId);
        if (run.pending.length === 0) continue;
        const data = Buffer.concat(run.pending).toString('utf8');
        run.pending = [];
        run.seq += 1;
        chunks.push({ runId, seq: run.seq, data, at: now });
      }
      if (chunks.length === 0 || !this.repository.connected) return;
      await this.repository.append(chunks);
    } catch (error) {
      this.logger.debug({ msg: 'live output dropped', err: (error as Error).message });
    } finally {
      this.flushing = false;
    }
  }

  private async sweep(): Promise<void> {
    if (!this.repository.connected) return;
    try {
      await this.repository.deleteOlderThan(new Date(Date.now() - KEEP_MS));
    } catch (error) {
      this.logger.debug({ msg: 'live output sweep failed', err: (error as Error).message });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.sweeper);
  }
}
