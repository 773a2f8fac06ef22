import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { LeaderElection } from '../cluster/leader-election.service';
import { AppConfig } from '../config/app-config';
import { JobsRepository } from '../jobs/jobs.repository';
import { FINAL_STATUSES, RunTrigger, runIdFor } from '../logs/run.model';
import { RunsRepository } from '../logs/runs.repository';
import type { Run } from '../logs/schemas/run.schema';
import { WorkersRepository } from '../workers/workers.repository';
import { BackfillState, QueuedTick } from './backfill.model';
import { BackfillsRepository, JobKeys, StoredBackfill } from './backfills.repository';
import { afterQueued, allowance } from './pacing';
import { decidedSeenAt, tickVerdict, withSighting } from './tick-verdict';

/** How often the leader moves its backfills on. */
const PASS_MS = 250;
/** Ticks looked at (their run records read) per pass. */
const WINDOW = 200;

type RecordFacts = Pick<Run, 'runId' | 'status' | 'trigger'>;

/**
 * The leader's duty for backfills: every pass, for each running backfill, it reads the job's
 * mark and keys and the run records of the ticks at hand, decides each tick in order
 * (`tickVerdict`), writes the triggers the pacing allows, follows the outcomes of those queued,
 * and saves the state with a compare-and-swap on its revision. Everything it knows is in etcd
 * and MongoDB, so the next leader carries on where this one stopped (docs/coordination.md).
 */
@Injectable()
export class BackfillDriver implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BackfillDriver.name);
  private timer?: NodeJS.Timeout;
  private passing?: Promise<void>;

  constructor(
    private readonly runs: RunsRepository,
    private readonly config: AppConfig,
    private readonly election: LeaderElection,
    private readonly backfills: BackfillsRepository,
    private readonly jobs: JobsRepository,
    private readonly workers: WorkersRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.election.onChange((leading) => {
      clearInterval(this.timer);
      if (leading) this.timer = setInterval(() => this.kick(), PASS_MS);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.passing;
  }

  private kick(): void {
    if (this.passing || !this.election.isLeader()) return;
    this.passing = this.pass()
      .catch((error: Error) =>
        this.logger.warn({ msg: 'backfill pass failed', err: error.message }),
      )
      .finally(() => (this.passing = undefined));
  }

  async pass(): Promise<void> {
    for (const stored of await this.backfills.list()) {
      if (!this.election.isLeader()) return;
      const { status } = stored.state;
      if (status !== 'running' && status !== 'cancelling') continue;
      try {
        await this.advance(stored);
      } catch (error) {
        this.logger.warn({
          msg: 'backfill step failed',
          backfill: stored.state.id,
          job: stored.state.job,
          err: (error as Error).message,
        });
      }
    }
  }

  private async advance({ state: old, revision }: StoredBackfill): Promise<void> {
    const state: BackfillState = structuredClone(old);
    const now = Date.now();
    const job = await this.jobs.get(state.job);
    const keys = await this.backfills.jobKeys(state.job);
    const window = state.ticks.slice(state.cursor, state.cursor + WINDOW);
    const runIds = [
      ...state.queued.map((q) => q.runId),
      ...window.map((tick) => runIdFor(state.job, tick)),
    ];
    const records = await this.records(runIds);
    this.settleQueued(state, records);
    if (state.status === 'cancelling') await this.cancel(state, keys);
    else if (!job) this.finish(state, 'failed', `job "${state.name}" was deleted`);
    else await this.decide(state, keys, records, now);
    if (
      state.status === 'running' &&
      state.cursor === state.ticks.length &&
      state.queued.length === 0
    )
      this.finish(state, 'done');
    if (JSON.stringify(state) === JSON.stringify(old)) return;
    if ((await this.backfills.update(state, revision)) === undefined)
      this.logger.debug({ msg: 'backfill changed meanwhile; next pass', backfill: state.id });
  }

  /** Decides ticks from the cursor on, in order, until one must wait or the pacing says stop. */
  private async decide(
    state: BackfillState,
    keys: JobKeys,
    records: Map<string, RecordFacts>,
    now: number,
  ): Promise<void> {
    const running = new Set((await this.workers.running(state.job)).map((run) => run.runId));
    const mark = keys.mark && { lastTick: keys.mark.lastTick, skipped: keys.mark.skipped === true };
    state.sightings = withSighting(
      state.sightings,
      mark?.lastTick,
      now,
      state.ticks[state.cursor] ?? Infinity,
    );
    let budget = allowance({
      now,
      lastQueuedAt: state.lastQueuedAt,
      ratePerSecond: state.ratePerSecond,
      concurrency: state.concurrency,
      outstanding: state.queued.length,
    });
    let written = 0;
    state.note = undefined;
    while (state.cursor < state.ticks.length) {
      const tick = state.ticks[state.cursor];
      const runId = runIdFor(state.job, tick);
      const verdict = tickVerdict({
        tick,
        mark,
        jobCreatedAt: state.jobCreatedAt,
        recorded: records.get(runId)?.status,
        guard: keys.guards.get(runId),
        busy: keys.busy.has(runId) || running.has(runId),
        decidedSeenAt: decidedSeenAt(state.sightings, tick),
        now,
        settleMs: this.config.BACKFILL_SETTLE_SECONDS * 1000,
        backfillId: state.id,
      });
      if (verdict === 'wait') {
        state.note = `waiting for tick ${new Date(tick).toISOString()} to be decided by the schedule`;
        break;
      }
      if (verdict === 'alreadyRan') state.counts.skippedAlreadyRan++;
      else if (verdict === 'ours') state.queued.push({ tick, runId });
      else {
        if (budget === 0) break;
        const outcome = await this.backfills.trigger(state.job, state.id, state.lease, {
          runId,
          trigger: 'backfill',
          attempt: 1,
          notBefore: now,
          tick,
          reason: `backfill ${state.id} by ${state.createdBy}`,
        });
        if (outcome === 'noJob') {
          this.finish(state, 'failed', `job "${state.name}" was deleted`);
          return;
        }
        if (outcome === 'taken') state.counts.skippedAlreadyRan++;
        else {
          state.queued.push({ tick, runId });
          budget--;
          written++;
        }
      }
      state.cursor++;
    }
    state.lastQueuedAt = afterQueued(now, state.lastQueuedAt, state.ratePerSecond, written);
  }

  /** Queued ticks whose backfill run has its final record are counted. */
  private settleQueued(state: BackfillState, records: Map<string, RecordFacts>): void {
    const still: QueuedTick[] = [];
    for (const queued of state.queued) {
      const record = records.get(queued.runId);
      const final =
        record !== undefined &&
        record.trigger === ('backfill' satisfies RunTrigger) &&
        FINAL_STATUSES.includes(record.status);
      if (!final) still.push(queued);
      else if (record.status === 'succeeded') state.counts.ran++;
      else state.counts.failed++;
    }
    state.queued = still;
  }

  /**
   * Withdraws every trigger of this backfill no worker has taken (its guards name it; a trigger
   * written by a pass that lost its state update is found that way too), then ends it.
   */
  private async cancel(state: BackfillState, keys: JobKeys): Promise<void> {
    const counted = new Set(state.queued.map((q) => q.runId));
    for (const [runId, owner] of keys.guards) {
      if (owner !== state.id) continue;
      const index = state.ticks.indexOf(tickOf(runId));
      if (!(await this.backfills.withdraw(state.job, runId))) {
        // A worker took it: counted when it ends (ticks before the cursor are counted already).
        if (!counted.has(runId) && index >= state.cursor)
          state.queued.push({ tick: tickOf(runId), runId });
        continue;
      }
      state.counts.cancelled++;
      if (counted.has(runId)) state.queued = state.queued.filter((q) => q.runId !== runId);
      else state.cursor = Math.max(state.cursor, index + 1);
    }
    // Ticks already taken by a worker run to their end; their outcome is still counted.
    if (state.queued.length === 0) this.finish(state, 'cancelled');
  }

  private finish(
    state: BackfillState,
    status: 'done' | 'failed' | 'cancelled',
    note?: string,
  ): void {
    state.status = status;
    state.finishedAt = new Date().toISOString();
    state.note = note;
    this.logger.log({ msg: `backfill ${status}`, backfill: state.id, job: state.job, note });
  }

  private async records(runIds: string[]): Promise<Map<string, RecordFacts>> {
    return this.runs.byIds(runIds, { _id: 0, runId: 1, status: 1, trigger: 1 });
  }
}

function tickOf(runId: string): number {
  return Number(runId.slice(runId.lastIndexOf('@') + 1));
}
