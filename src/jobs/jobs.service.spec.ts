import { AuditService } from '../audit/audit.service';
import { Actor } from '../auth/actor';
import { DomainError } from './domain-error';
import { JobSpec, StoredJob } from './job.model';
import { JobsRepository } from './jobs.repository';
import { JobsService } from './jobs.service';
import { JobVersionRecorder, StagedVersions } from './versions/job-version-recorder';
import { JobVersion, VersionNote, versionDrafts } from './versions/job-version';

const ACTOR: Actor = { tokenId: 't', name: 'tester', role: 'admin', via: 'v1' };

/** JobsRepository's contract in memory: keys by name, a global revision counter. */
class MemoryJobs {
  readonly store = new Map<string, StoredJob>();
  revision = 1;
  /** Called before each compare-and-swap: lets a test change the job under the writer. */
  beforeWrite: () => void = () => undefined;

  async get(name: string): Promise<StoredJob | undefined> {
    const job = this.store.get(name);
    return job ? { ...job } : undefined;
  }

  /** JobsRepository.page's contract: names in order after `after`, from `from`. */
  async page(
    _namespace: string,
    options: {
      after?: string;
      from?: string;
      limit: number;
      matches: (job: StoredJob) => boolean;
      within?: (name: string) => boolean;
    },
  ): Promise<{ jobs: StoredJob[]; more: boolean }> {
    const jobs: StoredJob[] = [];
    for (const name of [...this.store.keys()].sort()) {
      if (options.after !== undefined && name <= options.after) continue;
      if (options.from !== undefined && name < options.from) continue;
      if (options.within && !options.within(name)) break;
      if (!options.matches(this.store.get(name)!)) continue;
      if (jobs.length === options.limit) return { jobs, more: true };
      jobs.push(this.store.get(name)!);
    }
    return { jobs, more: false };
  }

  async create(spec: JobSpec): Promise<number | undefined> {
    if (this.store.has(spec.name)) return undefined;
    return this.put(spec);
  }

  async replace(spec: JobSpec, previous: StoredJob | undefined): Promise<number | undefined> {
    this.beforeWrite();
    if ((this.store.get(spec.name)?.revision ?? 0) !== (previous?.revision ?? 0)) return undefined;
    return this.put(spec);
  }

  async delete(current: StoredJob): Promise<boolean> {
    if (this.store.get(current.name)?.revision !== current.revision) return false;
    return this.store.delete(current.name);
  }

  private put(spec: JobSpec): number {
    this.revision++;
    this.store.set(spec.name, { ...spec, revision: this.revision });
    return this.revision;
  }
}

/** JobVersionRecorder in memory: a counter per job, versions kept once their write landed. */
class MemoryVersions {
  readonly seq = new Map<string, number>();
  readonly kept: JobVersion[] = [];

  async stage(
    namespace: string,
    job: string,
    previous: StoredJob | undefined,
    next: JobSpec,
    note: VersionNote,
  ): Promise<StagedVersions> {
    const last = this.seq.get(job) ?? 0;
    const drafts = versionDrafts({
      namespace,
      job,
      last,
      previous,
      next,
      note,
      at: next.updatedAt,
    });
    return { drafts, txn: { compares: [], puts: [] } };
  }

  async settle(staged: StagedVersions, revision: number): Promise<void> {
    for (const draft of staged.drafts) {
      this.kept.push({ ...draft, revision: draft.revision ?? revision });
      this.seq.set(draft.job, draft.version);
    }
  }
}

function setup(): {
  service: JobsService;
  jobs: MemoryJobs;
  audited: string[];
  versions: MemoryVersions;
} {
  const jobs = new MemoryJobs();
  const versions = new MemoryVersions();
  const audited: string[] = [];
  const audit = {
    record: async (_actor: Actor, action: string) => void audited.push(action),
  } as unknown as AuditService;
  const service = new JobsService(
    jobs as unknown as JobsRepository,
    audit,
    versions as unknown as JobVersionRecorder,
  );
  return { service, jobs, audited, versions };
}

const INPUT = { command: 'true', cronExpr: '@daily' };

describe('JobsService', () => {
  it('lists a prefix page by page, filtering by enabled and labels', async () => {
    const { service } = setup();
    for (const name of ['a', 'b-1', 'b-2', 'b-3', 'b-4', 'c']) {
      await service.create(
        name,
        {
          ...INPUT,
          enabled: name !== 'b-2',
          target: { labels: { tier: name === 'b-4' ? 'x' : 'y' } },
        },
        ACTOR,
      );
    }
    const first = await service.list({
      namespace: 'default',
      prefix: 'b-',
      enabled: true,
      limit: 2,
    });
    expect(first.jobs.map((job) => job.name)).toEqual(['b-1', 'b-3']);
    const second = await service.list({
      namespace: 'default',
      prefix: 'b-',
      enabled: true,
      limit: 2,
      after: first.nextAfter,
    });
    expect(second.jobs.map((job) => job.name)).toEqual(['b-4']);
    expect(second.nextAfter).toBeUndefined();
    const labelled = await service.list({
      namespace: 'default',
      labels: [['tier', 'x']],
      limit: 10,
    });
    expect(labelled.jobs.map((job) => job.name)).toEqual(['b-4']);
  });

  it('retries a read-modify-write whose job changed under it', async () => {
    const { service, jobs, audited } = setup();
    await service.create('j', INPUT, ACTOR);
    let interfere = 2;
    jobs.beforeWrite = () => {
      if (interfere-- <= 0) return;
      jobs.revision++;
      jobs.store.set('j', { ...jobs.store.get('j')!, revision: jobs.revision });
    };
    const patched = await service.patch(
      'j',
      { description: 'after two conflicts' },
      undefined,
      ACTOR,
    );
    expect(patched.description).toBe('after two conflicts');
    expect(audited).toEqual(['job.create', 'job.update']);
  });

  it('gives up with 412 at once when the caller pinned the revision, and with 409 after 5 conflicts', async () => {
    const { service, jobs } = setup();
    const job = await service.create('j', INPUT, ACTOR);
    jobs.beforeWrite = () => {
      jobs.revision++;
      jobs.store.set('j', { ...jobs.store.get('j')!, revision: jobs.revision });
    };
    await expect(
      service.patch('j', { description: 'x' }, job.revision, ACTOR),
    ).rejects.toMatchObject({ kind: 'stale' });
    await expect(service.patch('j', { description: 'x' }, undefined, ACTOR)).rejects.toMatchObject({
      kind: 'conflict',
    });
  });

  it('refuses an invalid job before writing anything', async () => {
    const { service, jobs } = setup();
    await expect(service.create('j', { ...INPUT, cronExpr: '* *' }, ACTOR)).rejects.toBeInstanceOf(
      DomainError,
    );
    expect(jobs.store.size).toBe(0);
  });

  describe('versions', () => {
    it('numbers every create, update, pause, resume and rollback 1, 2, 3... with the definition after it', async () => {
      const { service, versions, audited } = setup();
      await service.create('j', INPUT, ACTOR);
      await service.patch('j', { description: 'two' }, undefined, ACTOR);
      await service.setEnabled('j', false, ACTOR);
      await service.setEnabled('j', false, ACTOR); // no change, no version
      await service.setEnabled('j', true, ACTOR);
      const first = versions.kept[0];
      await service.restore('j', first.spec, 1, undefined, ACTOR);
      expect(versions.kept.map((v) => [v.version, v.action])).toEqual([
        [1, 'create'],
        [2, 'update'],
        [3, 'pause'],
        [4, 'resume'],
        [5, 'rollback'],
      ]);
      expect(versions.kept[1].spec.description).toBe('two');
      expect(versions.kept[2].spec.enabled).toBe(false);
      expect(versions.kept[4]).toMatchObject({ fromVersion: 1, spec: { description: '' } });
      expect(versions.kept.every((v) => v.tokenName === 'tester' && v.revision > 0)).toBe(true);
      expect(audited).toContain('job.rollback');
    });

    it('keeps a baseline of a job that had a definition but no history before its first change', async () => {
      const { service, jobs, versions } = setup();
      const now = new Date().toISOString();
      jobs.store.set('old', {
        ...(await service.create('tmp', INPUT, ACTOR)),
        name: 'old',
        description: 'from before',
        createdAt: now,
        updatedAt: now,
      });
      versions.kept.length = 0;
      await service.patch('old', { description: 'new' }, undefined, ACTOR);
      expect(versions.kept.map((v) => [v.version, v.action, v.spec.description])).toEqual([
        [1, 'baseline', 'from before'],
        [2, 'update', 'new'],
      ]);
    });

    it('calls a write that names its manager an apply, and a put of a new job a create', async () => {
      const { service, versions } = setup();
      await service.replace('j', INPUT, undefined, ACTOR, { manager: 'git:x' });
      await service.replace('k', INPUT, undefined, ACTOR);
      await service.replace('k', { ...INPUT, description: 'x' }, undefined, ACTOR);
      expect(versions.kept.map((v) => `${v.job}${v.version}:${v.action}`)).toEqual([
        'j1:apply',
        'k1:create',
        'k2:update',
      ]);
    });

    it('refuses a rollback to a definition that no longer validates as unprocessable, writing nothing', async () => {
      const { service, versions } = setup();
      const job = await service.create('j', INPUT, ACTOR);
      const expired = { ...job, cronExpr: '0 0 1 1 * 2001' };
      await expect(service.restore('j', expired, 1, undefined, ACTOR)).rejects.toMatchObject({
        kind: 'unprocessable',
      });
      expect(versions.kept).toHaveLength(1);
    });

    it('refuses a rollback of a managed job without its manager or an override', async () => {
      const { service } = setup();
      const job = await service.replace('j', { ...INPUT, managedBy: 'git:x' }, undefined, ACTOR, {
        manager: 'git:x',
      });
      await expect(service.restore('j', job.job, 1, undefined, ACTOR)).rejects.toMatchObject({
        kind: 'conflict',
      });
      await expect(
        service.restore('j', job.job, 1, undefined, ACTOR, { override: 'hotfix' }),
      ).resolves.toMatchObject({ managedBy: 'git:x' });
    });
  });
});
