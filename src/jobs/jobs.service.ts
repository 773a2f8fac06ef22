import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../auth/actor';
import { CronDialect } from '../cron/schedule';
import { DomainError } from './domain-error';
import { CompatJob, IfMatch, JobInput } from './job-input';
import { SPEC_DEFAULTS, buildSpec, specProblems } from './job-spec';
import { JobSpec, StoredJob } from './job.model';
import { JobsRepository } from './jobs.repository';
import { DependencyGraph } from './dependencies/dependency-graph.service';
import { NamespacesService } from '../namespaces/namespaces.service';
import { poolConflicts } from '../namespaces/namespace.model';
import { splitJobId } from '../etcd/etcd-keys';
import { JobVersionRecorder } from './versions/job-version-recorder';
import { VersionNote, inputOf } from './versions/job-version';
import {
  ManagedAccess,
  checkIfMatch,
  checkManager,
  conflict,
  editAction,
  notFound,
  overrideFacts,
  stale,
  stripRevision,
} from './job-write-rules';

export interface JobListQuery {
  namespace: string;
  prefix?: string;
  enabled?: boolean;
  /** `key=value`: jobs whose target labels include it. */
  labels?: [string, string][];
  /** `key=value`: jobs whose own labels (metadata) include it. */
  selector?: [string, string][];
  limit: number;
  /** Name of the last job of the previous page. */
  after?: string;
}

/** Attempts at a read-modify-write whose revision moved under it, before giving up with 409. */
const CAS_ATTEMPTS = 5;

/** Jobs: the rules for creating, changing, pausing and deleting them, whichever API asks. */
@Injectable()
export class JobsService {
  constructor(
    private readonly jobs: JobsRepository,
    private readonly audit: AuditService,
    private readonly versions: JobVersionRecorder,
    private readonly namespaces?: NamespacesService,
    private readonly dependencies?: DependencyGraph,
  ) {}

  async get(name: string): Promise<StoredJob> {
    const job = await this.jobs.get(name);
    if (!job) throw notFound(name);
    return job;
  }

  /** One page of a namespace's jobs by name, and the name to continue after when more follow. */
  async list(query: JobListQuery): Promise<{ jobs: StoredJob[]; nextAfter?: string }> {
    const { prefix, limit } = query;
    const matches = (job: StoredJob): boolean =>
      (query.enabled === undefined || job.enabled === query.enabled) &&
      (query.labels ?? []).every(([key, value]) => job.target?.labels?.[key] === value) &&
      (query.selector ?? []).every(([key, value]) => job.labels?.[key] === value);
    // Names sort by bytes, so the prefix's matches are one contiguous run of names.
    const { jobs, more } = await this.jobs.page(query.namespace, {
      after: query.after,
      from: prefix,
      limit,
      matches,
      within: prefix === undefined ? undefined : (name) => name.startsWith(prefix),
    });
    const last = jobs[jobs.length - 1];
    return more && last ? { jobs, nextAfter: splitJobId(last.name).name } : { jobs };
  }

  async create(name: string, input: JobInput, actor: Actor): Promise<StoredJob> {
    const now = new Date().toISOString();
    const spec = this.validated(
      buildSpec(name, input, SPEC_DEFAULTS, { createdAt: now, updatedAt: now }, 'standard'),
    );
    await this.checkPool(spec);
    await this.dependencies?.checkCycle(spec);
    const { namespace, name: plain } = splitJobId(name);
    const staged = await this.versions.stage(namespace, plain, undefined, spec, {
      action: 'create',
      actor,
    });
    const revision = await this.jobs.create(spec, staged.txn);
    if (revision === undefined) throw new DomainError('exists', `job "${name}" already exists`);
    await this.versions.settle(staged, revision);
    await this.audit.record(actor, 'job.create', { job: name, revision });
    return { ...spec, revision };
  }

  /** What a PUT of `input` would store, checked, without writing it (nor its times). */
  preview(name: string, input: JobInput): Omit<JobSpec, 'createdAt' | 'updatedAt'> {
    const now = new Date().toISOString();
    const { createdAt, updatedAt, ...spec } = this.validated(
      buildSpec(name, input, SPEC_DEFAULTS, { createdAt: now, updatedAt: now }, 'standard'),
    );
    void createdAt;
    void updatedAt;
    return spec;
  }

  /** PUT: the job becomes exactly `input` over the defaults; creates it when absent. */
  async replace(
    name: string,
    input: JobInput,
    ifMatch: IfMatch | undefined,
    actor: Actor,
    access: ManagedAccess = {},
  ): Promise<{ job: StoredJob; created: boolean }> {
    let override: string | undefined;
    const { job, previous } = await this.write(
      name,
      ifMatch,
      (current, now) => {
        override = checkManager(name, current, access, input.managedBy);
        return buildSpec(
          name,
          input,
          SPEC_DEFAULTS,
          { createdAt: current?.createdAt ?? now, updatedAt: now },
          'standard',
        );
      },
      (current) => ({ action: editAction(current, access), actor, override }),
    );
    await this.audit.record(actor, previous ? 'job.replace' : 'job.create', {
      job: name,
      revision: job.revision,
      ...overrideFacts(override, previous),
    });
    return { job, created: previous === undefined };
  }

  /** PATCH: the given fields change, the rest stay. A new cronExpr is read in the v1 dialect. */
  async patch(
    name: string,
    input: JobInput,
    ifMatch: IfMatch | undefined,
    actor: Actor,
    access: ManagedAccess = {},
  ): Promise<StoredJob> {
    let override: string | undefined;
    const { job, previous } = await this.write(
      name,
      ifMatch ?? '*',
      (current, now) => {
        if (!current) throw notFound(name);
        override = checkManager(name, current, access, input.managedBy);
        const dialect: CronDialect =
          input.cronExpr !== undefined ? 'standard' : current.cronDialect;
        return buildSpec(
          name,
          input,
          current,
          { createdAt: current.createdAt, updatedAt: now },
          dialect,
        );
      },
      (current) => ({ action: editAction(current, access), actor, override }),
    );
    await this.audit.record(actor, 'job.update', {
      job: name,
      revision: job.revision,
      ...overrideFacts(override, previous),
    });
    return job;
  }

  /** Pause (false) or resume (true). Setting the state it already has changes nothing. */
  async setEnabled(name: string, enabled: boolean, actor: Actor): Promise<StoredJob> {
    const current = await this.get(name);
    if (current.enabled === enabled) return current;
    // Only the flag changes, so a schedule that has since run out does not block a pause.
    const { job } = await this.write(
      name,
      '*',
      (stored, now) => {
        if (!stored) throw notFound(name);
        return { ...stripRevision(stored), enabled, updatedAt: now };
      },
      () => ({ action: enabled ? 'resume' : 'pause', actor }),
      false,
    );
    await this.audit.record(actor, enabled ? 'job.resume' : 'job.pause', {
      job: name,
      revision: job.revision,
    });
    return job;
  }

  /** Deletes the job, its high-water mark and its pending triggers; returns what was deleted. */
  async remove(
    name: string,
    ifMatch: IfMatch | undefined,
    actor: Actor,
    access: ManagedAccess = {},
  ): Promise<StoredJob> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = await this.jobs.get(name);
      if (!current) throw notFound(name);
      checkIfMatch(name, ifMatch, current);
      const override = checkManager(name, current, access, undefined);
      if (await this.jobs.delete(current)) {
        await this.audit.record(actor, 'job.delete', {
          job: name,
          revision: current.revision,
          ...overrideFacts(override, current),
        });
        return current;
      }
    }
    throw conflict(name);
  }

  /**
   * Rollback: the job becomes `spec` (version `fromVersion` of it) through the checks and the
   * compare-and-swap of a PUT, creating it again if it was deleted. A managed job needs the
   * manager or an override, as a PUT; a definition the rules now refuse is `unprocessable`.
   */
  async restore(
    name: string,
    spec: JobSpec,
    fromVersion: number,
    ifMatch: IfMatch | undefined,
    actor: Actor,
    access: ManagedAccess = {},
  ): Promise<StoredJob> {
    let override: string | undefined;
    const { job, previous } = await this.write(
      name,
      ifMatch,
      (current, now) => {
        override = checkManager(name, current, access, undefined);
        const times = { createdAt: current?.createdAt ?? now, updatedAt: now };
        const restored = buildSpec(name, inputOf(spec), SPEC_DEFAULTS, times, spec.cronDialect);
        const problems = specProblems(restored);
        if (problems.length > 0) {
          const why = problems.map((p) => `${p.field}: ${p.reason}`).join('; ');
          throw new DomainError(
            'unprocessable',
            `version ${fromVersion} of job "${name}" no longer validates: ${why}`,
            problems,
          );
        }
        return restored;
      },
      () => ({ action: 'rollback', actor, fromVersion, override }),
    );
    await this.audit.record(actor, 'job.rollback', {
      job: name,
      revision: job.revision,
      version: fromVersion,
      ...overrideFacts(override, previous),
    });
    return job;
  }

  /**
   * The original crontab's /job/save: name, command and expression (read the gorhill way), the
   * job's other settings kept. Returns the job it replaced.
   */
  async saveCompat(input: CompatJob, actor: Actor): Promise<StoredJob | undefined> {
    const { job, previous } = await this.write(
      input.name,
      undefined,
      (current, now) => {
        // The original API has no way to say who it is or why: a managed job stays as it is.
        checkManager(input.name, current, {}, undefined);
        return buildSpec(
          input.name,
          { command: input.command, cronExpr: input.cronExpr },
          current ?? SPEC_DEFAULTS,
          { createdAt: current?.createdAt ?? now, updatedAt: now },
          'gorhill',
        );
      },
      (current) => ({ action: editAction(current, {}), actor }),
    );
    await this.audit.record(actor, previous ? 'job.replace' : 'job.create', {
      job: job.name,
      revision: job.revision,
    });
    return previous;
  }

  /** The original crontab's /job/delete: the deleted job, or undefined when there was none. */
  async removeCompat(name: string, actor: Actor): Promise<StoredJob | undefined> {
    try {
      return await this.remove(name, undefined, actor);
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'notFound') return undefined;
      throw error;
    }
  }

  /** A job's target may narrow its namespace's worker pool, never leave it (422). */
  private async checkPool(spec: JobSpec): Promise<void> {
    if (!this.namespaces) return;
    const namespace = await this.namespaces.get(splitJobId(spec.name).namespace);
    const conflicts = poolConflicts(namespace.pool, spec.target.labels);
    if (conflicts.length === 0) return;
    throw new DomainError(
      'unprocessable',
      `the job's target is outside namespace "${namespace.name}"'s worker pool`,
      conflicts.map((key) => ({
        field: `target.labels.${key}`,
        reason: `the namespace's pool requires ${key}=${namespace.pool[key]}`,
      })),
    );
  }

  private validated(spec: JobSpec): JobSpec {
    const problems = specProblems(spec);
    if (problems.length > 0) throw DomainError.invalid(problems);
    return spec;
  }

  /**
   * Read, build, compare-and-swap. Retries when the job moved under it, unless the caller pinned
   * a revision with If-Match, which then fails with 412.
   */
  private async write(
    name: string,
    ifMatch: IfMatch | undefined,
    build: (current: StoredJob | undefined, now: string) => JobSpec,
    note: (current: StoredJob | undefined) => VersionNote,
    validate = true,
  ): Promise<{ job: StoredJob; previous?: StoredJob }> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = await this.jobs.get(name);
      if (current) checkIfMatch(name, ifMatch, current);
      else if (ifMatch !== undefined)
        throw ifMatch === '*' ? notFound(name) : stale(name, ifMatch, undefined);
      const built = build(current, new Date().toISOString());
      const spec = validate ? this.validated(built) : built;
      if (validate) await this.checkPool(spec);
      if (validate) await this.dependencies?.checkCycle(spec);
      const { namespace, name: plain } = splitJobId(name);
      const staged = await this.versions.stage(namespace, plain, current, spec, note(current));
      const revision = await this.jobs.replace(spec, current, staged.txn);
      if (revision !== undefined) {
        await this.versions.settle(staged, revision);
        return { job: { ...spec, revision }, previous: current };
      }
      if (typeof ifMatch === 'number')
        throw stale(name, ifMatch, (await this.jobs.get(name))?.revision);
    }
    throw conflict(name);
  }
}
