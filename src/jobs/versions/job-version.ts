import { Actor } from '../../auth/actor';
import { JobSpec, StoredJob } from '../job.model';

/**
 * What made a version. `baseline` is the definition a job already had when its first recorded
 * change came (a job older than version history): kept so that change can be undone too.
 */
export const VERSION_ACTIONS = [
  'baseline',
  'create',
  'update',
  'apply',
  'pause',
  'resume',
  'rollback',
] as const;
export type VersionAction = (typeof VERSION_ACTIONS)[number];

/** Who made a change and why, as JobsService tells it for the version of its write. */
export interface VersionNote {
  action: VersionAction;
  actor: Actor;
  /** A rollback: the version it restored. */
  fromVersion?: number;
  /** The reason given (X-Cronplane-Override) for changing a job someone else manages. */
  override?: string;
}

/**
 * One version of a job: the whole definition as it was right after the change (`spec`), who made
 * the change, when and how. Version n's `spec` is the definition before change n+1, so the
 * definition before any change is the previous version's.
 */
export interface JobVersion {
  namespace: string;
  job: string;
  /** 1, 2, 3... per (namespace, job), in the order the changes landed in etcd. */
  version: number;
  action: VersionAction;
  spec: JobSpec;
  /** The job's etcd mod_revision once the change landed (the ETag of that definition). */
  revision: number;
  at: string;
  tokenName: string;
  tokenId: string;
  role: string;
  via: string;
  fromVersion?: number;
  override?: string;
}

/** A version before its write committed: its etcd revision is that of the commit. */
export type VersionDraft = Omit<JobVersion, 'revision'> & { revision?: number };

/** Who made a baseline version: nobody this history knows of. */
export const BASELINE_ACTOR = { tokenName: 'unknown', tokenId: '', role: '', via: 'system' };

/**
 * The versions one change adds after the `last` version number of (namespace, job): the change
 * as version last+1, preceded by a baseline of `previous` when the job has no history yet but a
 * definition (it predates version history). After a delete the series goes on: a job created
 * again under the same name continues its numbers, so no version number ever means two things.
 */
export function versionDrafts(input: {
  namespace: string;
  job: string;
  last: number;
  previous: StoredJob | undefined;
  next: JobSpec;
  note: VersionNote;
  at: string;
}): VersionDraft[] {
  const { namespace, job, previous, note } = input;
  const drafts: VersionDraft[] = [];
  let version = input.last;
  if (version === 0 && previous !== undefined) {
    const { revision, ...spec } = previous;
    drafts.push({
      namespace,
      job,
      version: ++version,
      action: 'baseline',
      spec,
      revision,
      at: previous.updatedAt,
      ...BASELINE_ACTOR,
    });
  }
  drafts.push({
    namespace,
    job,
    version: ++version,
    action: note.action,
    spec: input.next,
    at: input.at,
    tokenName: note.actor.name,
    tokenId: note.actor.tokenId,
    role: note.actor.role,
    via: note.actor.via,
    ...(note.fromVersion === undefined ? {} : { fromVersion: note.fromVersion }),
    ...(note.override === undefined ? {} : { override: note.override }),
  });
  return drafts;
}

/** The definition of `spec` as a PUT body: what a rollback to it sends through the edit path. */
export function inputOf(
  spec: JobSpec,
): Omit<JobSpec, 'name' | 'cronDialect' | 'createdAt' | 'updatedAt'> {
  const { name, cronDialect, createdAt, updatedAt, ...input } = spec;
  void name;
  void cronDialect;
  void createdAt;
  void updatedAt;
  return input;
}
