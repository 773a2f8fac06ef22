import { Injectable, Logger } from '@nestjs/common';
import { ComparatorBuilder, DeleteBuilder, PutBuilder } from 'etcd3';
import { TxnExtra } from './versions/version-outbox';
import { EtcdService } from '../etcd/etcd.service';
import { DEFAULT_NAMESPACE } from '../namespaces/namespace';
import { splitJobId } from '../etcd/etcd-keys';
import { JobCatalog } from './job-catalog';
import { indexChanges, indexEntries } from './job-index';
import { JobSpec, StoredJob } from './job.model';

/**
 * Job definitions in etcd (`specs/<namespace>/<slot>/<name>`, JSON), known by job id (see
 * `jobId`); listed by name through the master's catalog. Every write is one transaction guarded by the
 * key's revision, so a write either lands whole or not at all, and never over a change it did
 * not see.
 */
@Injectable()
export class JobsRepository {
  private readonly logger = new Logger(JobsRepository.name);

  constructor(
    private readonly etcd: EtcdService,
    private readonly catalog: JobCatalog,
  ) {}

  /** A job by id (its name in `default`, `<namespace>:<name>` elsewhere). */
  async get(id: string): Promise<StoredJob | undefined> {
    const { kvs } = await this.etcd.client.get(this.etcd.keys.specOfJob(id)).exec();
    return kvs[0]
      ? this.decode(id, kvs[0].value.toString(), Number(kvs[0].mod_revision))
      : undefined;
  }

  /**
   * Up to `limit` jobs of `namespace` by name, after `after` (exclusive) and from `from`
   * (inclusive), that `matches` keeps, from the master's catalog; `more` when others may follow.
   */
  async page(
    namespace: string,
    options: {
      after?: string;
      from?: string;
      limit: number;
      matches: (job: StoredJob) => boolean;
      /** Stop at the first name this refuses (a prefix's names are contiguous). */
      within?: (name: string) => boolean;
    },
  ): Promise<{ jobs: StoredJob[]; more: boolean }> {
    const jobs = new Map<string, StoredJob>();
    let outside = false;
    const { ids, more } = await this.catalog.page(namespace, {
      after: options.after,
      from: options.from,
      limit: options.limit,
      keep: (id) => {
        if (outside) return false;
        const stored = this.catalog.value(id);
        const job = stored && this.decode(id, stored.value, stored.revision);
        if (!job) return false;
        if (options.within && !options.within(splitJobId(id).name)) {
          outside = true;
          return false;
        }
        if (!options.matches(job)) return false;
        jobs.set(id, job);
        return true;
      },
    });
    return { jobs: ids.map((id) => jobs.get(id)!), more: more && !outside };
  }

  /** Writes a new job; undefined when the name is taken. Returns the job's revision. */
  /** `extra`: compares and puts of the same transaction (the version outbox, see versions/). */
  async create(spec: JobSpec, extra?: TxnExtra): Promise<number | undefined> {
    const { client, keys } = this.etcd;
    const key = keys.specOfJob(spec.name);
    const value = encode(spec);
    const response = await this.withExtra(
      this.inNamespace(spec.name, client.if(key, 'Create', '==', 0)),
      extra,
    )
      .then(
        client.put(key).value(value),
        ...this.index(spec.name, undefined, spec, value),
        ...this.fence(spec.name),
        ...this.extraPuts(extra),
      )
      .commit();
    return this.written(spec.name, response.succeeded ? value : null, response.header.revision);
  }

  /**
   * Writes `spec` over `previous` (undefined: the job must not exist) if the job's mod_revision
   * is still `previous.revision`. Returns the new revision, or undefined when someone else
   * changed the job first.
   */
  async replace(
    spec: JobSpec,
    previous: StoredJob | undefined,
    extra?: TxnExtra,
  ): Promise<number | undefined> {
    const { client, keys } = this.etcd;
    const key = keys.specOfJob(spec.name);
    const value = encode(spec);
    const response = await this.withExtra(
      this.inNamespace(spec.name, client.if(key, 'Mod', '==', previous?.revision ?? 0)),
      extra,
    )
      .then(
        client.put(key).value(value),
        ...this.index(spec.name, previous, spec, value),
        ...this.fence(spec.name),
        ...this.extraPuts(extra),
      )
      .commit();
    return this.written(spec.name, response.succeeded ? value : null, response.header.revision);
  }

  /**
   * Deletes the job with its high-water mark, pending triggers and index keys in one
   * transaction, if its mod_revision is still `current.revision`. False when it changed or
   * vanished meanwhile.
   */
  async delete(current: StoredJob): Promise<boolean> {
    const { client, keys } = this.etcd;
    const name = current.name;
    const key = keys.specOfJob(name);
    const response = await client
      .if(key, 'Mod', '==', current.revision)
      .and(key, 'Create', '>', 0)
      .then(
        client.delete().key(key),
        client.delete().key(keys.state(name)),
        client.delete().prefix(keys.triggerPrefix(name)),
        client.delete().key(keys.deps(name)),
        ...this.index(name, current, undefined, ''),
      )
      .commit();
    if (response.succeeded) this.written(name, undefined, response.header.revision);
    return response.succeeded;
  }

  /** The index keys (job-index.ts) that change when job `id` goes from `before` to `after`. */
  private index(
    id: string,
    before: JobSpec | undefined,
    after: JobSpec | undefined,
    value: string,
  ): (PutBuilder | DeleteBuilder)[] {
    const { client, keys } = this.etcd;
    const old = before && indexEntries(keys, id, before, encode(before));
    const { puts, deletes } = indexChanges(old ?? new Map(), indexEntries(keys, id, after, value));
    return [
      ...puts.map(([key, v]) => client.put(key).value(v)),
      ...deletes.map((key) => client.delete().key(key)),
    ];
  }

  /** A write in a namespace other than `default` needs it to exist (it may be deleted meanwhile). */
  private inNamespace(id: string, txn: ComparatorBuilder): ComparatorBuilder {
    const { namespace } = splitJobId(id);
    return namespace === DEFAULT_NAMESPACE
      ? txn
      : txn.and(this.etcd.keys.namespace(namespace), 'Create', '>', 0);
  }

  /** The namespace's fence moves with every job write, so it is deleted only while empty. */
  private fence(id: string): PutBuilder[] {
    const { namespace } = splitJobId(id);
    if (namespace === DEFAULT_NAMESPACE) return [];
    return [this.etcd.client.put(this.etcd.keys.namespaceFence(namespace)).value('')];
  }

  private withExtra(txn: ComparatorBuilder, extra: TxnExtra | undefined): ComparatorBuilder {
    for (const { key, modRevision } of extra?.compares ?? [])
      txn.and(key, 'Mod', '==', modRevision);
    return txn;
  }

  private extraPuts(extra: TxnExtra | undefined): PutBuilder[] {
    return (extra?.puts ?? []).map(({ key, value }) => this.etcd.client.put(key).value(value));
  }

  /** Tells the catalog about a write that landed (value null: it did not); the new revision. */
  private written(
    id: string,
    value: string | undefined | null,
    revision: string,
  ): number | undefined {
    if (value === null) return undefined;
    this.catalog.applied(id, value, Number(revision));
    return Number(revision);
  }

  /** A stored value as the master works with it: named by its job id. */
  private decode(id: string, value: string, revision: number): StoredJob | undefined {
    try {
      const spec = JSON.parse(value) as JobSpec;
      return { ...spec, name: id, namespace: splitJobId(id).namespace, revision };
    } catch (error) {
      this.logger.warn({
        msg: 'skipping a job whose value is not JSON',
        job: id,
        err: error as Error,
      });
      return undefined;
    }
  }
}

/** The stored value: the plain name and the namespace (the key holds both too). */
function encode(spec: JobSpec): string {
  const { namespace, name } = splitJobId(spec.name);
  return JSON.stringify({ ...spec, name, namespace });
}
