import { Injectable, Logger } from '@nestjs/common';
import { EtcdService } from '../../etcd/etcd.service';
import { JobVersion, VersionDraft } from './job-version';

/** Compares and puts a job write adds to its own transaction (JobsRepository.create/replace). */
export interface TxnExtra {
  /** Keys whose mod_revision must still be this (0: absent). */
  compares: { key: string; modRevision: number }[];
  puts: { key: string; value: string }[];
}

/** A job's last version number and the mod_revision of the key that holds it (0: none yet). */
export interface VersionSeq {
  last: number;
  modRevision: number;
}

/** A version waiting in etcd, with its key and the revision of the write that put it there. */
export interface PendingVersion {
  key: string;
  version: JobVersion;
}

/**
 * The etcd side of version history. A job write carries its versions in the same transaction
 * (`P versions/outbox/...`) and moves the job's version counter (`P versions/seq/...`), guarded
 * by the counter's revision: the version lands exactly when the change does, numbered in the
 * order changes land, even if MongoDB is away or the master dies right after. The versions are
 * then copied to MongoDB (JobVersionRecorder, VersionDrainer) and their outbox keys deleted.
 */
@Injectable()
export class VersionOutbox {
  private readonly logger = new Logger(VersionOutbox.name);

  constructor(private readonly etcd: EtcdService) {}

  async seq(namespace: string, job: string): Promise<VersionSeq> {
    const { kvs } = await this.etcd.client.get(this.etcd.keys.versionSeq(namespace, job)).exec();
    const kv = kvs[0];
    if (!kv) return { last: 0, modRevision: 0 };
    return { last: Number(kv.value.toString()) || 0, modRevision: Number(kv.mod_revision) };
  }

  /** What a write of `drafts` adds to its transaction, on top of a counter read as `seq`. */
  txn(namespace: string, job: string, seq: VersionSeq, drafts: VersionDraft[]): TxnExtra {
    const { keys } = this.etcd;
    const last = drafts.length > 0 ? drafts[drafts.length - 1].version : seq.last;
    return {
      compares: [{ key: keys.versionSeq(namespace, job), modRevision: seq.modRevision }],
      puts: [
        { key: keys.versionSeq(namespace, job), value: String(last) },
        ...drafts.map((draft) => ({
          key: keys.versionOutbox(namespace, job, draft.version),
          value: JSON.stringify(draft),
        })),
      ],
    };
  }

  /** The key of a draft, to delete once the version is in MongoDB. */
  keyOf(draft: Pick<JobVersion, 'namespace' | 'job' | 'version'>): string {
    return this.etcd.keys.versionOutbox(draft.namespace, draft.job, draft.version);
  }

  /** Up to `limit` versions still waiting in etcd, in key order. */
  async pending(limit: number): Promise<PendingVersion[]> {
    const prefix = this.etcd.keys.versionOutboxPrefix();
    const kvs = await this.etcd.client
      .getAll()
      .prefix(prefix)
      .sort('Key', 'Ascend')
      .limit(limit)
      .exec()
      .then((response) => response.kvs);
    const pending: PendingVersion[] = [];
    for (const kv of kvs) {
      const key = kv.key.toString();
      try {
        const draft = JSON.parse(kv.value.toString()) as VersionDraft;
        // Put by the job's own write: the key's revision is the revision of that change.
        pending.push({
          key,
          version: { ...draft, revision: draft.revision ?? Number(kv.mod_revision) },
        });
      } catch (error) {
        this.logger.warn({
          msg: 'dropping an outbox entry that is not JSON',
          key,
          err: error as Error,
        });
        await this.remove([key]);
      }
    }
    return pending;
  }

  async remove(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.etcd.client.delete().key(key).exec()));
  }
}
