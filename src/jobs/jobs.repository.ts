import { Injectable, Logger } from '@nestjs/common';
import { ComparatorBuilder, IKeyValue, PutBuilder, Range } from 'etcd3';
import { EtcdService } from '../etcd/etcd.service';
import { EtcdKeys } from '../etcd/etcd-keys';
import { etcdPageReader, readPage } from '../etcd/paged-range';
import { JobSpec, StoredJob } from './job.model';
import { TxnExtra } from './versions/version-outbox';

/**
 * Job definitions in etcd (`jobs/<name>`, JSON). Every write is one transaction guarded by the
 * key's revision, so a write either lands whole or not at all, and never over a change it did
 * not see.
 */
@Injectable()
export class JobsRepository {
  private readonly logger = new Logger(JobsRepository.name);

  constructor(private readonly etcd: EtcdService) {}

  async get(name: string): Promise<StoredJob | undefined> {
    const { kvs } = await this.etcd.client.get(this.etcd.keys.job(name)).exec();
    return kvs[0] ? this.decode(kvs[0]) : undefined;
  }

  /**
   * Up to `limit` jobs by name, from `start` (inclusive or not; from the first job when
   * undefined). `more` tells whether etcd holds further keys.
   */
  async list(
    start: string | undefined,
    inclusive: boolean,
    limit: number,
  ): Promise<{ jobs: StoredJob[]; more: boolean }> {
    const prefix = this.etcd.keys.jobsPrefix();
    const end = Range.prefix(prefix).end;
    // The smallest key after jobs/<start> is jobs/<start> followed by a zero byte.
    const from =
      start === undefined ? prefix : `${this.etcd.keys.job(start)}${inclusive ? '' : '\0'}`;
    // Key order; fewer jobs than asked (with `more`) when `limit` of them do not fit in one
    // answer, which the caller pages through like any other page.
    const response = await readPage(etcdPageReader(this.etcd.client), {
      start: Buffer.from(from),
      end,
      limit,
    });
    const jobs = response.kvs
      .map((kv) => this.decode(kv))
      .filter((job): job is StoredJob => job !== undefined);
    return { jobs, more: response.more };
  }

  /**
   * Writes a new job; undefined when the name is taken. Returns the job's revision. `extra`: what
   * else the same transaction checks and writes (the change's version, see VersionOutbox).
   */
  async create(spec: JobSpec, extra?: TxnExtra): Promise<number | undefined> {
    const { client, keys } = this.etcd;
    const key = keys.job(spec.name);
    const response = await this.withExtra(client.if(key, 'Create', '==', 0), extra)
      .then(client.put(key).value(JSON.stringify(spec)), ...this.extraPuts(extra))
      .commit();
    return response.succeeded ? Number(response.header.revision) : undefined;
  }

  /**
   * Writes `spec` if the job's mod_revision is still `expectedRevision` (0: the job must not
   * exist). Returns the new revision, or undefined when someone else changed the job first.
   */
  async replace(
    spec: JobSpec,
    expectedRevision: number,
    extra?: TxnExtra,
  ): Promise<number | undefined> {
    const { client, keys } = this.etcd;
    const key = keys.job(spec.name);
    const response = await this.withExtra(client.if(key, 'Mod', '==', expectedRevision), extra)
      .then(client.put(key).value(JSON.stringify(spec)), ...this.extraPuts(extra))
      .commit();
    return response.succeeded ? Number(response.header.revision) : undefined;
  }

  /**
   * Deletes the job with its high-water mark and pending triggers in one transaction, if its
   * mod_revision is still `expectedRevision`. False when it changed or vanished meanwhile.
   */
  async delete(name: string, expectedRevision: number): Promise<boolean> {
    const { client, keys } = this.etcd;
    const key = keys.job(name);
    const response = await client
      .if(key, 'Mod', '==', expectedRevision)
      .and(key, 'Create', '>', 0)
      .then(
        client.delete().key(key),
        client.delete().key(keys.state(name)),
        client.delete().prefix(keys.triggerPrefix(name)),
      )
      .commit();
    return response.succeeded;
  }

  private withExtra(txn: ComparatorBuilder, extra: TxnExtra | undefined): ComparatorBuilder {
    for (const { key, modRevision } of extra?.compares ?? [])
      txn.and(key, 'Mod', '==', modRevision);
    return txn;
  }

  private extraPuts(extra: TxnExtra | undefined): PutBuilder[] {
    return (extra?.puts ?? []).map(({ key, value }) => this.etcd.client.put(key).value(value));
  }

  private decode(kv: IKeyValue): StoredJob | undefined {
    const key = kv.key.toString();
    try {
      const spec = JSON.parse(kv.value.toString()) as JobSpec;
      return {
        ...spec,
        name: EtcdKeys.tail(key, this.etcd.keys.jobsPrefix()) ?? spec.name,
        revision: Number(kv.mod_revision),
      };
    } catch (error) {
      this.logger.warn({ msg: 'skipping a job whose value is not JSON', key, err: error as Error });
      return undefined;
    }
  }
}
