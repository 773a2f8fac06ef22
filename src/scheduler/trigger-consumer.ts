import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EtcdService } from '../etcd/etcd.service';
import { LockService } from '../etcd/lock.service';
import { RunningEntry, TriggerRequest } from '../workers/worker.model';
import { WorkerSessionService } from '../workers/worker-session.service';
import { nextClaimId } from './claim-id';
import { JobBook } from './job-book';
import { TableJob } from './job-table';
import { HELP_AFTER_MS } from './ownership';
import { ReplaceRunning } from './replace-running';
import { RunnerService } from './runner.service';

/**
 * Manual runs, retries and handed-back ticks (`trigger/<job>/<runId>`): the job's owner consumes
 * each one once its `notBefore` has passed (the helper of a saturated owner, HELP_AFTER_MS
 * later), with one transaction that deletes the trigger and puts the running key on this
 * worker's session lease, so exactly one worker runs it. Under `forbid` a trigger waits behind
 * the job's running run instead of being dropped.
 */
@Injectable()
export class TriggerConsumer {
  private readonly logger = new Logger(TriggerConsumer.name);
  private readonly inFlight = new Set<string>();
  /** Consumed here, until the watch reports the trigger's deletion: never tried again. */
  private readonly consumed = new Set<string>();

  constructor(
    private readonly config: AppConfig,
    private readonly etcd: EtcdService,
    private readonly lock: LockService,
    private readonly session: WorkerSessionService,
    private readonly runner: RunnerService,
    private readonly replace: ReplaceRunning,
  ) {}

  /** Consumes the due triggers this worker may take; returns when the next one falls due. */
  consumeDue(
    triggers: ReadonlyMap<string, string>,
    book: JobBook,
    parse: (name: string) => TableJob | undefined,
    now: number,
  ): number {
    let next = Infinity;
    for (const key of this.consumed) if (!triggers.has(key)) this.consumed.delete(key);
    for (const [key, value] of triggers) {
      if (this.inFlight.has(key) || this.consumed.has(key)) continue;
      const name = key.slice(0, key.indexOf('/'));
      const role = book.roleFor(name);
      if (!role) continue;
      let request: TriggerRequest;
      try {
        request = JSON.parse(value) as TriggerRequest;
      } catch {
        continue;
      }
      const dueAt = request.notBefore + (role === 'owner' ? 0 : HELP_AFTER_MS);
      if (dueAt > now) {
        next = Math.min(next, dueAt);
        continue;
      }
      const job = parse(name);
      if (!job) continue;
      const release = this.runner.tryReserve('onTime');
      if (!release) continue;
      this.inFlight.add(key);
      void this.consume(key, job, request)
        .catch((error: Error) =>
          this.logger.warn({
            msg: 'trigger claim failed',
            job: name,
            runId: request.runId,
            err: error.message,
          }),
        )
        .finally(() => {
          release();
          this.inFlight.delete(key);
        });
    }
    return next;
  }

  private async consume(key: string, job: TableJob, request: TriggerRequest): Promise<void> {
    const spec = job.spec;
    const all = spec.target.mode === 'all';
    if (spec.concurrencyPolicy === 'forbid' && all && this.runner.runningCount(spec.name) > 0)
      return;
    if (spec.concurrencyPolicy === 'replace') await this.replace.stopOthers(spec.name);
    const leaseId = this.session.leaseId;
    if (leaseId === undefined || !this.session.canClaim()) return;
    const exclusive = spec.concurrencyPolicy === 'forbid' && !all;
    const runningKey = this.lock.runningKey(spec.name, request.runId, exclusive);
    const value: RunningEntry = {
      runId: request.runId,
      workerId: this.config.WORKER_ID,
      claim: nextClaimId(),
      startedAt: new Date().toISOString(),
    };
    const claim = await this.lock.consumeTrigger(this.etcd.keys.triggerPrefix() + key, {
      key: runningKey,
      value: { ...value },
      leaseId,
      exclusive,
    });
    if (claim.outcome !== 'consumed') return;
    this.consumed.add(key);
    this.logger.log({
      msg: 'trigger claimed',
      job: spec.name,
      runId: request.runId,
      workerId: this.config.WORKER_ID,
      trigger: request.trigger,
    });
    this.runner.start({
      job: spec,
      runId: request.runId,
      tick: request.tick,
      attempt: request.attempt,
      trigger: request.trigger,
      running: { key: runningKey, revision: claim.revision },
      ...(request.dependency && { parent: request.dependency }),
    });
  }
}
