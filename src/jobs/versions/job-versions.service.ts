import { jobId } from '../../etcd/etcd-keys';
import { Injectable } from '@nestjs/common';
import { Actor } from '../../auth/actor';
import { DomainError } from '../domain-error';
import { IfMatch } from '../job-input';
import { StoredJob } from '../job.model';
import { JobsService } from '../jobs.service';
import { ManagedAccess } from '../job-write-rules';
import { JobVersion } from './job-version';
import { JobVersionsRepository, VersionSummary } from './job-versions.repository';
import { FieldChange, specDiff } from './spec-diff';

/** A version with the changes from it to the job's current definition (none: deleted). */
export interface VersionDetail {
  version: JobVersion;
  current: StoredJob | null;
  diff: FieldChange[];
}

/** A job's version history: listing, one version with its diff, and rollback. */
@Injectable()
export class JobVersionsService {
  constructor(
    private readonly versions: JobVersionsRepository,
    private readonly jobs: JobsService,
  ) {}

  /** Newest first, below `before`; 404 when there is neither history nor a job of that name. */
  async list(
    namespace: string,
    job: string,
    limit: number,
    before?: number,
  ): Promise<{ items: VersionSummary[]; nextBefore?: number }> {
    const items = await this.versions.list(namespace, job, limit, before);
    // A job older than version history has none until its first change.
    if (items.length === 0 && before === undefined) await this.jobs.get(job);
    const last = items[items.length - 1];
    return {
      items,
      nextBefore: items.length === limit && last.version > 1 ? last.version : undefined,
    };
  }

  async show(namespace: string, job: string, version: number): Promise<VersionDetail> {
    const found = await this.version(namespace, job, version);
    const current = await this.current(jobId(namespace, job));
    return { version: found, current, diff: specDiff(found.spec, current ?? {}) };
  }

  /** Restores version `version` through the edit path (JobsService.restore): a new version. */
  async rollback(
    namespace: string,
    job: string,
    version: number,
    ifMatch: IfMatch | undefined,
    actor: Actor,
    access: ManagedAccess,
  ): Promise<StoredJob> {
    const found = await this.version(namespace, job, version);
    return this.jobs.restore(jobId(namespace, job), found.spec, version, ifMatch, actor, access);
  }

  private async version(namespace: string, job: string, version: number): Promise<JobVersion> {
    const found = await this.versions.get(namespace, job, version);
    if (!found) throw new DomainError('notFound', `job "${job}" has no version ${version}`);
    return found;
  }

  private async current(job: string): Promise<StoredJob | null> {
    try {
      return await this.jobs.get(job);
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'notFound') return null;
      throw error;
    }
  }
}
