import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../auth/actor';
import { AppConfig } from '../config/app-config';
import { splitJobId } from '../etcd/etcd-keys';
import { DomainError } from '../jobs/domain-error';
import { JobsRepository } from '../jobs/jobs.repository';
import { BackfillProgress, BackfillState, progressOf } from './backfill.model';
import { BackfillRequest, checkBackfill } from './backfill-request';
import { BackfillsRepository } from './backfills.repository';

/** A backfill as the API and the CLI show it. */
export interface BackfillView {
  id: string;
  job: string;
  namespace: string;
  status: BackfillState['status'];
  from: string;
  to: string;
  concurrency: number;
  ratePerSecond: number;
  progress: BackfillProgress;
  createdBy: string;
  createdAt: string;
  finishedAt?: string;
  cancelledBy?: string;
  note?: string;
}

export const BACKFILL_ID_PATTERN = /^bf-[a-z0-9]{1,16}-[0-9a-f]{8}$/;

export function backfillView(state: BackfillState): BackfillView {
  return {
    id: state.id,
    job: state.name,
    namespace: state.namespace,
    status: state.status,
    from: new Date(state.from).toISOString(),
    to: new Date(state.to).toISOString(),
    concurrency: state.concurrency,
    ratePerSecond: state.ratePerSecond,
    progress: progressOf(state),
    createdBy: state.createdBy,
    createdAt: state.createdAt,
    finishedAt: state.finishedAt,
    cancelledBy: state.cancelledBy,
    note: state.note,
  };
}

/** Accepting, listing and cancelling backfills; the leader's BackfillDriver runs them. */
@Injectable()
export class BackfillService {
  constructor(
    private readonly config: AppConfig,
    private readonly jobs: JobsRepository,
    private readonly backfills: BackfillsRepository,
    private readonly audit: AuditService,
  ) {}

  async create(job: string, request: BackfillRequest, actor: Actor): Promise<BackfillView> {
    const stored = await this.jobs.get(job);
    if (!stored) throw new DomainError('notFound', `job "${splitJobId(job).name}" not found`);
    const now = Date.now();
    const oldest = now - this.config.RETENTION_DAYS * 86_400_000;
    const result = checkBackfill(request, { id: job, spec: stored }, now, oldest);
    if (result.problems.length > 0) throw DomainError.invalid(result.problems);
    if (result.unprocessable && result.unprocessable.length > 0)
      throw new DomainError(
        'unprocessable',
        result.unprocessable.map((p) => `${p.field}: ${p.reason}`).join('; '),
        result.unprocessable,
      );
    const checked = result.checked;
    if (!checked) throw DomainError.invalid([]);
    const { namespace, name } = splitJobId(job);
    const state: BackfillState = {
      id: `bf-${now.toString(36)}-${randomBytes(4).toString('hex')}`,
      job,
      namespace,
      name,
      from: checked.from,
      to: checked.to,
      ticks: checked.ticks,
      concurrency: checked.concurrency,
      ratePerSecond: checked.ratePerSecond,
      status: 'running',
      cursor: 0,
      queued: [],
      counts: { ran: 0, failed: 0, skippedAlreadyRan: 0, cancelled: 0 },
      sightings: [],
      jobCreatedAt: Date.parse(stored.createdAt),
      lease: await this.backfills.grantLease(),
      createdBy: actor.name,
      createdAt: new Date(now).toISOString(),
    };
    if (!(await this.backfills.create(state)))
      throw new DomainError('notFound', `job "${name}" not found`);
    await this.audit.record(actor, 'backfill.create', {
      job,
      subject: `${state.id} ${new Date(state.from).toISOString()}..${new Date(state.to).toISOString()} (${state.ticks.length} ticks)`,
    });
    return backfillView(state);
  }

  async list(namespace: string, job?: string): Promise<BackfillView[]> {
    return (await this.backfills.list())
      .map((stored) => stored.state)
      .filter((state) => state.namespace === namespace && (job === undefined || state.name === job))
      .map(backfillView);
  }

  async get(namespace: string, id: string): Promise<BackfillView> {
    return backfillView(await this.stored(namespace, id).then((s) => s.state));
  }

  /** Asks the leader to stop: no more triggers, and those no worker took are withdrawn. */
  async cancel(namespace: string, id: string, actor: Actor): Promise<BackfillView> {
    for (;;) {
      const { state, revision } = await this.stored(namespace, id);
      if (state.status !== 'running') return backfillView(state);
      const next: BackfillState = { ...state, status: 'cancelling', cancelledBy: actor.name };
      if ((await this.backfills.update(next, revision)) === undefined) continue;
      await this.audit.record(actor, 'backfill.cancel', { job: state.job, subject: id });
      return backfillView(next);
    }
  }

  private async stored(namespace: string, id: string) {
    const stored = BACKFILL_ID_PATTERN.test(id) ? await this.backfills.get(id) : undefined;
    if (!stored || stored.state.namespace !== namespace)
      throw new DomainError('notFound', `backfill "${id}" not found`);
    return stored;
  }
}
