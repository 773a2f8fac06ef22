/**
 * Seeding many jobs straight into etcd, as the master stores them (JOB_DEFAULTS, one JSON value
 * per `jobs/<name>`), in transactions of puts: 100,000 jobs in a few seconds.
 */
import { EtcdKeys } from '../../src/etcd/etcd-keys';
import { Etcd3 } from 'etcd3';
import { JOB_DEFAULTS, JobSpec } from '../../src/jobs/job.model';

/** etcd's default `--max-txn-ops` (the test stack does not change it). */
const PUTS_PER_TXN = 128;
/** Transactions in flight at once. */
const CONCURRENCY = 8;

export const BULK_SCHEDULE = '0 0 1 1 *';

export function bulkJobName(i: number): string {
  return `bulk-${String(i).padStart(6, '0')}`;
}

/**
 * `count` jobs named bulk-000000… that fire once a year (never during a test), or as `shape`
 * makes each one. A shape must give jobs no index keys (src/jobs/job-index.ts): no `after`, not
 * broad.
 */
export async function seedJobs(
  etcd: Etcd3,
  prefix: string,
  count: number,
  shape: Partial<JobSpec> = {},
): Promise<void> {
  const now = new Date().toISOString();
  const value = (name: string): Buffer =>
    Buffer.from(
      JSON.stringify({
        ...JOB_DEFAULTS,
        command: 'true',
        cronExpr: BULK_SCHEDULE,
        ...shape,
        name,
        createdAt: now,
        updatedAt: now,
      } satisfies JobSpec),
    );
  let next = 0;
  const sender = async (): Promise<void> => {
    while (next < count) {
      const from = next;
      next = Math.min(count, next + PUTS_PER_TXN);
      const success = [];
      for (let i = from; i < next; i++) {
        const name = bulkJobName(i);
        success.push({
          request_put: {
            key: Buffer.from(new EtcdKeys(prefix).spec('default', name)),
            value: value(name),
          },
        });
      }
      await etcd.kv.txn({ compare: [], success, failure: [] });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, sender));
}

/** etcd's current revision. */
export async function currentRevision(etcd: Etcd3): Promise<number> {
  return Number((await etcd.kv.range({ key: Buffer.from('/none'), limit: 1 })).header.revision);
}

/** Number of keys under `prefix` (one count-only read, however many keys). */
export async function countKeys(etcd: Etcd3, prefix: string): Promise<number> {
  return etcd.getAll().prefix(prefix).count();
}
