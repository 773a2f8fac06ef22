import { AuditService } from '../audit/audit.service';
import { Actor } from '../auth/actor';
import { DomainError } from './domain-error';
import { JobSpec, StoredJob } from './job.model';
import { JobsRepository } from './jobs.repository';
import { JobsService } from './jobs.service';

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

  async replace(spec: JobSpec, expected: number): Promise<number | undefined> {
    this.beforeWrite();
    if ((this.store.get(spec.name)?.revision ?? 0) !== expected) return undefined;
    return this.put(spec);
  }

  async delete(name: string, expected: number): Promise<boolean> {
    if (this.store.get(name)?.revision !== expected) return false;
    return this.store.delete(name);
  }

  private put(spec: JobSpec): number {
    this.revision++;
    this.store.set(spec.name, { ...spec, revision: this.revision });
    return this.revision;
  }
}

function setup(): { service: JobsService; jobs: MemoryJobs; audited: string[] } {
  const jobs = new MemoryJobs();
  const audited: string[] = [];
  const audit = {
    record: async (_actor: Actor, action: string) => void audited.push(action),
  } as unknown as AuditService;
  return { service: new JobsService(jobs as unknown as JobsRepository, audit), jobs, audited };
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
});
