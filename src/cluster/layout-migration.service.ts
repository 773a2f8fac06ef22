import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EtcdService } from '../etcd/etcd.service';
import { EtcdKeys } from '../etcd/etcd-keys';
import { listPrefix } from '../etcd/paged-range';
import { indexedOf, indexEntries } from '../jobs/job-index';
import { isValidJobName } from '../jobs/job.model';
import { repairIndexes } from './index-repair';
import { DEFAULT_NAMESPACE } from '../namespaces/namespace';

/** While masters of the first release may still write `jobs/<name>`, look again this often. */
const RECHECK_MS = 30_000;

interface LegacyJob {
  name: string;
  value: string;
  revision: number;
}

/**
 * The upgrade from the first key layout (docs/coordination.md, "Keys"): every `jobs/<name>`
 * moves to `specs/default/<slot>/<name>`, in transactions that delete the old key only if it
 * is unchanged and create the new one only if it is absent. Nothing else moves: a job of the
 * default namespace keeps its id (its name), so its mark, running keys, triggers and run ids
 * stay where they are, and workers of both releases claim on the same mark (a job leaves the
 * old workers' view the moment it enters the new ones'). Every master runs it at start, before
 * serving, and again every 30 s while old masters may still write old keys.
 *
 * At start a master also builds the worker-side indexes (`broad/`, `children/`) of jobs written
 * before they existed (index-repair.ts), then marks the store as layout `3`.
 */
@Injectable()
export class LayoutMigration implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LayoutMigration.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly etcd: EtcdService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.migrate();
    await this.repair();
    this.timer = setInterval(() => void this.migrate(), RECHECK_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Builds the missing index keys; a failure is logged (workers then miss those jobs). */
  private async repair(): Promise<void> {
    try {
      const result = await repairIndexes(
        this.etcd.client,
        this.etcd.keys,
        this.config.ETCD_MAX_TXN_OPS,
      );
      await this.etcd.client.put(this.etcd.keys.layout()).value('3');
      if (result.written + result.deleted + result.skipped > 0)
        this.logger.log({ msg: 'worker-side job indexes repaired', ...result });
    } catch (error) {
      this.logger.error({
        msg: 'worker-side job indexes not repaired; broad jobs and dependencies written by older masters wait for the next master start',
        err: (error as Error).message,
      });
    }
  }

  /** One pass; a pass already under way is joined. Failures are logged and retried later. */
  migrate(): Promise<void> {
    this.running ??= this.pass()
      .catch((error: Error) =>
        this.logger.error({ msg: 'key layout migration failed; retrying', err: error.message }),
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    const { keys } = this.etcd;
    const listing = await listPrefix(this.etcd.client, keys.legacyJobsPrefix());
    if (listing.kvs.length === 0) return;
    const jobs: LegacyJob[] = [];
    for (const kv of listing.kvs) {
      const name = EtcdKeys.tail(kv.key.toString(), keys.legacyJobsPrefix()) ?? '';
      if (!isValidJobName(name)) {
        this.logger.error({
          msg: 'first-layout key is not a job; left alone',
          key: kv.key.toString(),
        });
        continue;
      }
      jobs.push({ name, value: kv.value.toString(), revision: Number(kv.mod_revision) });
    }
    // Each move is a delete, a put and at most one index key (`broad/`: first-layout jobs had no
    // dependencies): as many per transaction as etcd takes.
    const perTxn = Math.max(1, Math.floor(this.config.ETCD_MAX_TXN_OPS / 4));
    let moved = 0;
    for (let i = 0; i < jobs.length; i += perTxn) {
      const batch = jobs.slice(i, i + perTxn);
      if (await this.move(batch)) moved += batch.length;
      else for (const job of batch) if (await this.move([job])) moved += 1;
    }
    this.logger.log({ msg: 'jobs moved to the namespaced key layout', moved, seen: jobs.length });
  }

  /** True when every job of `batch` moved in one transaction. */
  private async move(batch: LegacyJob[]): Promise<boolean> {
    const { client, keys } = this.etcd;
    let txn = client.if(keys.legacyJob(batch[0].name), 'Mod', '==', batch[0].revision);
    for (const [index, job] of batch.entries()) {
      if (index > 0) txn = txn.and(keys.legacyJob(job.name), 'Mod', '==', job.revision);
      txn = txn.and(keys.spec(DEFAULT_NAMESPACE, job.name), 'Create', '==', 0);
    }
    const response = await txn
      .then(
        ...batch.flatMap((job) => {
          const value = upgraded(job);
          const index = indexEntries(keys, job.name, indexedOf(value), value);
          return [
            client.delete().key(keys.legacyJob(job.name)),
            client.put(keys.spec(DEFAULT_NAMESPACE, job.name)).value(value),
            ...[...index].map(([key, indexValue]) => client.put(key).value(indexValue)),
          ];
        }),
      )
      .commit();
    if (!response.succeeded && batch.length === 1) {
      this.logger.warn({
        msg: 'job not moved (changed meanwhile, or a job of that name exists in the new layout); tried again later',
        job: batch[0].name,
      });
    }
    return response.succeeded;
  }
}

/** The value in the new layout: the same spec, with its namespace. */
function upgraded(job: LegacyJob): string {
  try {
    return JSON.stringify({
      ...(JSON.parse(job.value) as object),
      name: job.name,
      namespace: DEFAULT_NAMESPACE,
    });
  } catch {
    return job.value;
  }
}
