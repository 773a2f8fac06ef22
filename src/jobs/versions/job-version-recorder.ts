import { Injectable, Logger } from '@nestjs/common';
import { JobSpec, StoredJob } from '../job.model';
import { JobVersion, VersionDraft, VersionNote, versionDrafts } from './job-version';
import { JobVersionsRepository } from './job-versions.repository';
import { TxnExtra, VersionOutbox } from './version-outbox';

/** The versions of one job write, staged for its transaction. */
export interface StagedVersions {
  drafts: VersionDraft[];
  txn: TxnExtra;
}

/**
 * JobsService's side of version history: before each compare-and-swap it stages the write's
 * versions (they go into etcd with the change, see VersionOutbox); after a successful one it
 * copies them to MongoDB at once, so a history read right after the change shows it. When that
 * copy fails (MongoDB away) the versions wait in etcd for the VersionDrainer; no write fails
 * for want of MongoDB, and none loses its version.
 */
@Injectable()
export class JobVersionRecorder {
  private readonly logger = new Logger(JobVersionRecorder.name);

  constructor(
    private readonly outbox: VersionOutbox,
    private readonly versions: JobVersionsRepository,
  ) {}

  async stage(
    namespace: string,
    job: string,
    previous: StoredJob | undefined,
    next: JobSpec,
    note: VersionNote,
  ): Promise<StagedVersions> {
    const seq = await this.outbox.seq(namespace, job);
    // Stored as the API shows a job: its name within its namespace (the service knows it by id).
    const named = <T extends JobSpec>(spec: T): T => ({ ...spec, name: job, namespace });
    const drafts = versionDrafts({
      namespace,
      job,
      last: seq.last,
      previous: previous && named(previous),
      next: named(next),
      note,
      at: next.updatedAt,
    });
    return { drafts, txn: this.outbox.txn(namespace, job, seq, drafts) };
  }

  /** After the write committed at `revision`: into MongoDB, out of etcd. Never throws. */
  async settle(staged: StagedVersions, revision: number): Promise<void> {
    const versions: JobVersion[] = staged.drafts.map((draft) => ({
      ...draft,
      revision: draft.revision ?? revision,
    }));
    await this.copy(
      versions,
      versions.map((version) => this.outbox.keyOf(version)),
    );
  }

  /** Copies versions to MongoDB and deletes their outbox keys; false when they stay in etcd. */
  async copy(versions: JobVersion[], keys: string[]): Promise<boolean> {
    if (!this.versions.connected()) {
      this.logger.warn({ msg: 'MongoDB is away: versions wait in etcd', count: versions.length });
      return false;
    }
    try {
      await this.versions.insert(versions);
    } catch (error) {
      this.logger.warn({ msg: 'versions not copied to MongoDB yet', err: error as Error });
      return false;
    }
    try {
      await this.outbox.remove(keys);
    } catch (error) {
      // Copied again later: the unique index keeps one copy.
      this.logger.warn({ msg: 'outbox keys of copied versions not deleted', err: error as Error });
    }
    return true;
  }
}
