import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../auth/actor';
import { DomainError } from '../jobs/domain-error';
import { JobCatalog } from '../jobs/job-catalog';
import { DEFAULT_NAMESPACE } from './namespace';
import { NamespaceSpec, StoredNamespace } from './namespace.model';
import { NamespacesRepository } from './namespaces.repository';

export interface NamespaceInput {
  description?: string;
  pool?: Record<string, string>;
  runAsUsers?: string[];
}

/** Namespaces: created and changed by a cluster-admin, deleted only while they hold no job. */
@Injectable()
export class NamespacesService {
  constructor(
    private readonly repository: NamespacesRepository,
    private readonly catalog: JobCatalog,
    private readonly audit: AuditService,
  ) {}

  async get(name: string): Promise<StoredNamespace> {
    const found = await this.repository.get(name);
    if (!found) throw notFound(name);
    return found;
  }

  list(): Promise<StoredNamespace[]> {
    return this.repository.list();
  }

  async create(name: string, input: NamespaceInput, actor: Actor): Promise<StoredNamespace> {
    const now = new Date().toISOString();
    const spec: NamespaceSpec = {
      name,
      description: input.description ?? '',
      pool: input.pool ?? {},
      runAsUsers: input.runAsUsers ?? [],
      createdAt: now,
      createdBy: actor.name,
      updatedAt: now,
    };
    // `default` exists without a stored value: storing one is an update of its settings.
    if (name === DEFAULT_NAMESPACE) return this.update(name, input, actor);
    const revision = await this.repository.put(spec, 0);
    if (revision === undefined) throw new DomainError('exists', `namespace "${name}" exists`);
    await this.audit.record(actor, 'namespace.create', { namespace: name, revision });
    return { ...spec, revision };
  }

  async update(name: string, input: NamespaceInput, actor: Actor): Promise<StoredNamespace> {
    const current = await this.get(name);
    const { revision: expected, ...base } = current;
    const spec: NamespaceSpec = {
      ...base,
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.pool !== undefined ? { pool: input.pool } : {}),
      ...(input.runAsUsers !== undefined ? { runAsUsers: input.runAsUsers } : {}),
      updatedAt: new Date().toISOString(),
    };
    const revision = await this.repository.put(spec, expected);
    if (revision === undefined)
      throw new DomainError('conflict', `namespace "${name}" changed meanwhile; try again`);
    await this.audit.record(actor, 'namespace.update', { namespace: name, revision });
    return { ...spec, revision };
  }

  async remove(name: string, actor: Actor): Promise<void> {
    if (name === DEFAULT_NAMESPACE)
      throw DomainError.invalid([{ field: 'namespace', reason: 'default cannot be deleted' }]);
    const current = await this.get(name);
    const fence = await this.repository.fenceRevision(name);
    await this.catalog.ready();
    const jobs = this.catalog.count(name);
    if (jobs > 0)
      throw new DomainError('conflict', `namespace "${name}" still holds ${jobs} job(s)`);
    if (!(await this.repository.delete(name, current.revision, fence)))
      throw new DomainError('conflict', `namespace "${name}" changed meanwhile; try again`);
    await this.audit.record(actor, 'namespace.delete', { namespace: name });
  }
}

function notFound(name: string): DomainError {
  return new DomainError('notFound', `namespace "${name}" not found`);
}
