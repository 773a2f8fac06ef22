/** The pure rules of a job write: who may change a managed job, revisions, and the errors. */
import { DomainError } from './domain-error';
import { IfMatch } from './job-input';
import { JobSpec, StoredJob } from './job.model';
import { VersionAction } from './versions/job-version';

/**
 * Who asks to change a job, as far as its manager is concerned: `manager`, the managedBy the
 * caller acts as (header X-Cronplane-Manager; `cronplane apply` sends it); `override`, the reason
 * a caller gives for changing a job someone else manages (header X-Cronplane-Override).
 */
export interface ManagedAccess {
  manager?: string;
  override?: string;
}

/**
 * A managed job changes only through its manager (the caller says it is, or keeps the job's
 * managedBy in the body), or with an override reason, which is returned for the audit log.
 */
export function checkManager(
  name: string,
  current: Pick<StoredJob, 'managedBy'> | undefined,
  access: ManagedAccess,
  bodyManagedBy: string | undefined,
): string | undefined {
  const manager = current?.managedBy;
  if (manager === undefined) return undefined;
  if (access.manager === manager || bodyManagedBy === manager) return undefined;
  if (access.override !== undefined && access.override.trim() !== '') return access.override.trim();
  throw new DomainError(
    'conflict',
    `job "${name}" is managed by ${manager}: change it in its files, or send the header X-Cronplane-Override: <reason>`,
    [{ field: 'managedBy', reason: `the job is managed by ${manager}` }],
  );
}

/** A create or an edit, by `cronplane apply` (it names its manager) or anyone else. */
export function editAction(current: StoredJob | undefined, access: ManagedAccess): VersionAction {
  if (access.manager !== undefined) return 'apply';
  return current ? 'update' : 'create';
}

export function overrideFacts(
  override: string | undefined,
  previous: Pick<StoredJob, 'managedBy'> | undefined,
): { override?: string; managedBy?: string } {
  return override === undefined ? {} : { override, managedBy: previous?.managedBy };
}

export function checkIfMatch(name: string, ifMatch: IfMatch | undefined, current: StoredJob): void {
  if (typeof ifMatch === 'number' && ifMatch !== current.revision)
    throw stale(name, ifMatch, current.revision);
}

export function stripRevision(job: StoredJob): JobSpec {
  const { revision, ...spec } = job;
  void revision;
  return spec;
}

export function notFound(name: string): DomainError {
  return new DomainError('notFound', `job "${name}" not found`);
}

export function conflict(name: string): DomainError {
  return new DomainError('conflict', `job "${name}" kept changing during the write; try again`);
}

export function stale(name: string, expected: number, actual: number | undefined): DomainError {
  const now = actual === undefined ? 'it does not exist' : `its revision is ${actual}`;
  return new DomainError('stale', `job "${name}": If-Match ${expected} does not match; ${now}`, [
    { field: 'If-Match', reason: `revision ${expected} is stale; ${now}` },
  ]);
}
