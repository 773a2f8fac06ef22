import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../auth/actor';
import { manualRunId } from '../logs/run.model';
import { RunsRepository } from '../logs/runs.repository';
import { WorkersRepository } from '../workers/workers.repository';
import { DomainError } from './domain-error';
import { JobsRepository } from './jobs.repository';
import { RunRequestsRepository } from './run-requests.repository';

/** How long a kill request waits for a worker to act on it before etcd drops it. */
export const KILL_REQUEST_TTL_SECONDS = 30;

/** Manual runs and kills: requests written to etcd for the workers to act on. */
@Injectable()
export class RunControlService {
  constructor(
    private readonly jobs: JobsRepository,
    private readonly requests: RunRequestsRepository,
    private readonly workers: WorkersRepository,
    private readonly runs: RunsRepository,
    private readonly audit: AuditService,
  ) {}

  /** Asks the job's owner to run it now, paused or not; returns the new run's id. */
  async runNow(job: string, actor: Actor): Promise<{ runId: string }> {
    const now = Date.now();
    const runId = manualRunId(job, now, randomBytes(4).toString('hex'));
    const written = await this.requests.trigger(job, {
      runId,
      trigger: 'manual',
      attempt: 1,
      notBefore: now,
      tick: now,
      reason: `manual run by ${actor.name}`,
    });
    if (!written) throw new DomainError('notFound', `job "${job}" not found`);
    await this.audit.record(actor, 'job.run', { job, runId });
    return { runId };
  }

  /** Kills every running run of the job; returns the ids running when asked. */
  async killJob(job: string, actor: Actor): Promise<{ job: string; runIds: string[] }> {
    const [stored, running] = await Promise.all([this.jobs.get(job), this.workers.running(job)]);
    if (!stored && running.length === 0)
      throw new DomainError('notFound', `job "${job}" not found`);
    await this.requests.kill(job, killRequest(actor), KILL_REQUEST_TTL_SECONDS);
    const runIds = running.map((run) => run.runId);
    await this.audit.record(actor, 'job.kill', { job });
    return { job, runIds };
  }

  /** Kills one running run: 404 for an unknown run, 409 for one that is not running. */
  async killRun(runId: string, actor: Actor): Promise<{ runId: string }> {
    const job = runId.split('@')[0];
    const running = await this.workers.running(job);
    if (!running.some((run) => run.runId === runId)) {
      const record = await this.runs.get(runId);
      if (!record) throw new DomainError('notFound', `run "${runId}" not found`);
      throw new DomainError('conflict', `run "${runId}" is not running (status ${record.status})`);
    }
    await this.requests.kill(runId, killRequest(actor), KILL_REQUEST_TTL_SECONDS);
    await this.audit.record(actor, 'run.kill', { job, runId });
    return { runId };
  }
}

function killRequest(actor: Actor): { requestedBy: string; at: string } {
  return { requestedBy: actor.name, at: new Date().toISOString() };
}
