import { userInfo } from 'node:os';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { LockService } from '../etcd/lock.service';
import { Execution, ExecutionRequest, EXECUTOR, Executor } from '../executor/executor';
import { JobSpec } from '../jobs/job.model';
import { RunRequestsRepository } from '../jobs/run-requests.repository';
import { retryRunId, RunTrigger } from '../logs/run.model';
import { RunOutputPublisher } from '../run-stream/run-output.publisher';
import { SecretEnv } from '../secrets/secret-env';
import { retryDelayMs } from './backoff';
import { runEnvironment } from './run-env';
import { MetricsService } from '../metrics/metrics.service';
import { RunLogService } from './run-log/run-log.service';
import { RunOutcomesService } from './run-outcomes.service';
import { RunRecord } from './run-log/run-record';
import { splitJobId } from '../etcd/etcd-keys';
import { RUN_AS_POLICIES, runAsDecision, RunAsPolicies } from './run-as-policy';
import { DependencyCause } from '../jobs/dependencies/dependency.model';
import { DependencyTrigger } from './dependency-trigger';
import { httpSummary } from '../jobs/http-job';
import { httpPlan } from './http-plan';
import { RunSlots, SlotKind } from './run-slots';

/** A run this worker claimed (a tick or a trigger) and must now execute. */
export interface ClaimedRun {
  job: JobSpec;
  runId: string;
  tick: number;
  attempt: number;
  trigger: RunTrigger;
  /** The running key the claim created, and its create revision (to release only our own). */
  running: { key: string; revision: number };
  /** A tick claimed ahead of time: its process starts at this instant (epoch ms), not before. */
  startAt?: number;
  /** Trigger `dependency`: the parent run that started it (and its retries). */
  parent?: DependencyCause;
}

interface ActiveRun {
  runId: string;
  job: string;
  execution?: Execution;
  /** A stop requested before the process started. */
  stopRequested?: { reason: 'killed'; detail: string };
  /** The process is known to have started. */
  processStarted?: boolean;
  /** Stopped before its process started because the session was lost: handed back, not killed. */
  handBack?: boolean;
}

/** The worker process's effective user, which a non-root worker's commands always run as. */
const WORKER_USER = ((): { uid: number; name: string } => {
  const uid = process.geteuid?.() ?? -1;
  try {
    return { uid, name: userInfo().username };
  } catch {
    return { uid, name: String(uid) }; // no passwd entry for this uid
  }
})();

/**
 * Executes claimed runs: the `running` record, the process, the final record, releasing the
 * running key, and the retry trigger of a failed run. Holds the per-worker concurrency limit and
 * acts on kill requests.
 */
@Injectable()
export class RunnerService {
  private readonly logger = new Logger(RunnerService.name);
  private readonly active = new Map<string, ActiveRun>();
  private readonly slots: RunSlots;
  private readonly tasks = new Set<Promise<void>>();
  private handBackListener?: (run: ClaimedRun) => void;

  constructor(
    private readonly config: AppConfig,
    @Inject(EXECUTOR) private readonly executor: Executor,
    private readonly runLog: RunLogService,
    private readonly lock: LockService,
    private readonly runRequests: RunRequestsRepository,
    private readonly output: RunOutputPublisher,
    private readonly outcomes: RunOutcomesService,
    private readonly metrics: MetricsService,
    private readonly secrets: SecretEnv,
    @Inject(RUN_AS_POLICIES) private readonly runAsPolicies: RunAsPolicies,
    private readonly dependencies: DependencyTrigger,
  ) {
    this.slots = new RunSlots(config.WORKER_MAX_CONCURRENT);
    metrics.onScrape(() => metrics.runningRuns.set(this.active.size));
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Slots `kind` may still take (WORKER_MAX_CONCURRENT, of which late work fills a share). */
  freeSlots(kind: SlotKind): number {
    return this.slots.free(kind);
  }

  /**
   * Holds a slot while a claim is in flight (call the result to give it back), or undefined when
   * `kind` has none free: the tick then waits, unclaimed, until a slot frees (onSlotFreed).
   */
  tryReserve(kind: SlotKind): (() => void) | undefined {
    return this.slots.tryReserve(kind);
  }

  onSlotFreed(listener: () => void): void {
    this.slots.onFreed(listener);
  }

  /** Starts wait in the executor while `open()` is false; `reopenStarts` looks again. */
  gateStarts(open: () => boolean): void {
    this.executor.gateStarts(open);
  }

  reopenStarts(): void {
    this.executor.reopen();
  }

  /** Who takes a run that was stopped before its process started because the session was lost. */
  onHandBack(listener: (run: ClaimedRun) => void): void {
    this.handBackListener = listener;
  }

  /** Runs of `job` active here; asked for every tick of a forbid or replace job. */
  runningCount(job: string): number {
    return this.slots.runningOf(job);
  }

  private forget(runId: string): void {
    const run = this.active.get(runId);
    if (!run) return;
    this.active.delete(runId);
    this.slots.give(run.job);
  }

  isRunning(runId: string): boolean {
    return this.active.has(runId);
  }

  start(run: ClaimedRun): void {
    const job = run.job.name;
    if (!this.active.has(run.runId)) this.slots.take(job);
    this.active.set(run.runId, { runId: run.runId, job });
    const task = this.execute(run)
      .catch((error: Error) =>
        this.logger.error({
          msg: 'run failed inside the worker',
          job: run.job.name,
          runId: run.runId,
          err: error.message,
        }),
      )
      .finally(() => {
        this.forget(run.runId);
        this.tasks.delete(task);
      });
    this.tasks.add(task);
  }

  private async execute(run: ClaimedRun): Promise<void> {
    const { job, runId } = run;
    const http = job.executor; // an HTTP job: a request instead of a command
    const workerId = this.config.WORKER_ID;
    // Journaled at once (the claim is ours); the records carry the process's own start.
    const claimedAt = Math.max(Date.now(), run.startAt ?? 0);
    const base: RunRecord = {
      runId,
      job: job.name,
      tick: run.tick,
      attempt: run.attempt,
      trigger: run.trigger,
      workerId,
      status: 'running',
      command: http ? httpSummary(http) : job.command,
      startedAt: claimedAt,
      latenessMs: Math.max(0, claimedAt - run.tick),
      ...(run.parent && { parentJob: run.parent.job, parentRunId: run.parent.runId }),
    };
    void this.runLog.started(base);
    this.output.begin(runId);
    const runAs = this.runAs(job);
    if (runAs.refused !== undefined) {
      this.output.write(runId, Buffer.from(`cronplane: ${runAs.refused}\n`));
    }
    const prepared =
      runAs.refused === undefined
        ? await this.secrets.prepare(job.name, (http ? http.headers : job.env) ?? {})
        : { env: {}, secrets: [] };
    const execution = this.startExecution({
      runId,
      command: job.command,
      shell: job.shell,
      stdin: job.stdin,
      runAs: runAs.identity,
      refused:
        runAs.refused ?? ('error' in prepared ? `could not start: ${prepared.error}` : undefined),
      env: runEnvironment(
        { job: job.name, runId, tick: run.tick, attempt: run.attempt, parent: run.parent },
        'env' in prepared ? prepared.env : {},
        undefined, // the worker's own environment
        runAs.identity !== undefined,
      ),
      mask: 'secrets' in prepared ? prepared.secrets : [],
      timeoutMs: (job.timeoutSeconds ?? 0) * 1000,
      killGraceMs: this.config.KILL_GRACE_SECONDS * 1000,
      outputCapBytes: this.config.OUTPUT_CAP_BYTES,
      onOutput: (chunk) => this.output.write(runId, chunk),
      notBefore: run.startAt,
      http:
        http && 'env' in prepared
          ? httpPlan(
              http,
              { job: job.name, runId, tick: run.tick, attempt: run.attempt },
              prepared.env,
            )
          : undefined,
    });
    const active = this.active.get(runId);
    if (active) {
      active.execution = execution;
      if (active.stopRequested) execution.stop('killed', active.stopRequested.detail);
    }
    const process = await execution.started;
    const startedAt = process?.at ?? claimedAt;
    const latenessMs = Math.max(0, startedAt - run.tick);
    if (process && active) active.processStarted = true;
    if (process) {
      this.runLog.processStarted(runId, { startedAt, latenessMs });
      this.metrics.fireLateness.observe(latenessMs / 1000);
      this.logger.debug({ msg: 'run started', job: job.name, runId, workerId, pid: process.pid });
    }
    const result = await execution.done;
    // The slot is free once the process is gone; the record's durability is the run log's job.
    this.forget(runId);
    this.output.end(runId);
    if (!process && active?.handBack && this.handBackListener) {
      // Never started, and the session it was claimed under is gone: another worker runs it (or
      // records it) as the misfire policy says. Its running key died with the lease.
      this.runLog.withdraw(runId);
      this.handBackListener(run);
      return;
    }
    const endedAt = Date.now();
    const final: RunRecord = {
      ...base,
      startedAt,
      latenessMs,
      status: result.status,
      exitCode: result.exitCode,
      signal: result.signal,
      error: result.error,
      output: result.output,
      truncated: result.truncated,
      endedAt,
      durationMs: endedAt - startedAt,
    };
    // The final record is batched; the running key's release does not wait for it, so a `forbid`
    // job's next tick is not blocked by the flush delay. The leader waits several flush periods
    // before it calls a run whose key is gone `lost`; the record is durable well before.
    await this.endInEtcd(run, final);
    const recorded = this.runLog.finished(final);
    const context = {
      job: job.name,
      runId,
      workerId,
      status: result.status,
      durationMs: endedAt - startedAt,
    };
    if (result.status === 'succeeded') this.logger.log({ msg: 'run finished', ...context });
    else
      this.logger.warn({
        msg: 'run finished',
        ...context,
        exitCode: result.exitCode,
        error: result.error,
      });
    const retrying =
      (result.status === 'failed' || result.status === 'timeout') &&
      (await this.requestRetry(run, endedAt));
    this.outcomes.ended(job, final, { retrying });
    await recorded;
  }

  /**
   * Releases the run's running key; when the run starts children (`after`), in one transaction
   * with their triggers, before the final record is journaled: a run recorded with its outcome
   * has always triggered its children (docs/coordination.md, "Dependencies"). A failed attempt
   * that will be retried is not the run's end: its children wait for the retry's.
   */
  private async endInEtcd(run: ClaimedRun, final: RunRecord): Promise<void> {
    const retryFollows =
      (final.status === 'failed' || final.status === 'timeout') &&
      retryDelayMs(run.job.retries, run.attempt + 1) !== undefined;
    const end = {
      job: run.job.name,
      runId: run.runId,
      status: final.status,
      endedAt: final.endedAt ?? Date.now(),
      running: run.running,
      cause: run.parent,
    };
    const links = retryFollows ? [] : this.dependencies.childrenFor(end);
    if (links.length === 0) this.lock.releaseRunning(run.running.key, run.running.revision);
    else await this.dependencies.end(end, links);
  }

  /**
   * Whom the job's command may run as on this worker (see runAsDecision): its identity for the
   * executor, `refused` with the reason, or neither for a job without runAs; by the policy of
   * the job's namespace.
   */
  private runAs(job: JobSpec): { identity?: ExecutionRequest['runAs']; refused?: string } {
    if (job.runAs === undefined) return {};
    const { namespace } = splitJobId(job.name);
    const decision = runAsDecision({
      runAs: job.runAs,
      namespace,
      workerUid: WORKER_USER.uid,
      workerUser: WORKER_USER.name,
      policy: this.runAsPolicies.policyFor(namespace),
    });
    if (!decision.allow) return { refused: decision.reason };
    return { identity: { identity: job.runAs, allowRoot: decision.allowRoot } };
  }

  /**
   * A driver that throws (bad spawn arguments, say) yields a failed run, never a stuck one; so
   * does a run the run-as policy refused (`refused`), which never reaches the driver.
   */
  private startExecution(request: ExecutionRequest & { refused?: string }): Execution {
    const { refused, ...toStart } = request;
    const failed = (message: string): Execution => ({
      started: Promise.resolve(undefined),
      done: Promise.resolve({ status: 'failed', error: message, output: '', truncated: false }),
      stop: () => undefined,
    });
    if (refused !== undefined) return failed(refused);
    try {
      return this.executor.start(toStart);
    } catch (error) {
      return failed(`could not start: ${(error as Error).message}`);
    }
  }

  /** Asks for the next attempt when the job allows one; true when it was requested. */
  private async requestRetry(run: ClaimedRun, now: number): Promise<boolean> {
    const attempt = run.attempt + 1;
    const delay = retryDelayMs(run.job.retries, attempt);
    if (delay === undefined) return false;
    const retry = retryRunId(run.runId, attempt);
    try {
      await this.runRequests.trigger(run.job.name, {
        runId: retry,
        trigger: 'retry',
        attempt,
        notBefore: now + delay,
        tick: run.tick,
        reason: `retry ${attempt - 1} of ${run.job.retries.max} after ${run.runId}`,
        ...(run.parent && { dependency: run.parent }),
      });
      this.logger.log({
        msg: 'retry requested',
        job: run.job.name,
        runId: run.runId,
        retryRunId: retry,
        notBefore: now + delay,
      });
      return true;
    } catch (error) {
      this.logger.error({
        msg: 'could not request a retry',
        job: run.job.name,
        runId: run.runId,
        err: (error as Error).message,
      });
      return false;
    }
  }

  /** Stops runs matching `target` (a run id or a job name); the number stopped. */
  kill(target: string, detail: string): number {
    let count = 0;
    for (const run of this.active.values()) {
      if (run.runId !== target && run.job !== target) continue;
      count += 1;
      this.logger.log({ msg: 'killing run', job: run.job, runId: run.runId, reason: detail });
      if (run.execution) run.execution.stop('killed', detail);
      else run.stopRequested = { reason: 'killed', detail };
    }
    return count;
  }

  killAll(detail: string): void {
    for (const run of this.active.values()) this.kill(run.runId, detail);
  }

  /**
   * The session was lost: kills the runs whose process started, and hands back the others (a
   * start the spawner still holds is dropped; if the spawner started it meanwhile, it is killed).
   */
  killOrHandBack(detail: string): void {
    for (const run of this.active.values()) {
      if (!run.processStarted) run.handBack = true;
      this.kill(run.runId, detail);
    }
  }

  /** Waits for running work up to `graceMs`, then kills what is left and waits for it to end. */
  async drain(graceMs: number): Promise<void> {
    if (this.tasks.size === 0) return;
    this.logger.log({ msg: 'waiting for running work', runs: this.tasks.size, graceMs });
    const all = (): Promise<unknown> => Promise.allSettled([...this.tasks]);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>(
      (resolve) => (timer = setTimeout(() => resolve('expired'), graceMs)),
    );
    const outcome = await Promise.race([all().then(() => 'done' as const), expired]);
    clearTimeout(timer);
    if (outcome === 'expired') {
      this.killAll('worker shutting down');
      await all();
    }
  }
}
