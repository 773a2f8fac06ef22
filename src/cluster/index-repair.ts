import { Etcd3, IKeyValue } from 'etcd3';
import { EtcdKeys, jobIdOfSpecTail } from '../etcd/etcd-keys';
import { listPrefix } from '../etcd/paged-range';
import { indexedOf, indexEntries } from '../jobs/job-index';

/** One index write, and the revision of the key that must be unchanged for it to be right. */
interface Fix {
  key: string;
  /** Undefined: delete the key. */
  value?: string;
  /** The key whose mod revision guards the fix: the job's definition, or the stale key itself. */
  guard: { key: string; revision: number };
}

export interface RepairResult {
  jobs: number;
  written: number;
  deleted: number;
  /** Fixes not made because their key changed meanwhile (its writer kept the index right). */
  skipped: number;
}

/**
 * Builds the worker-side indexes (`broad/`, `children/`: src/jobs/job-index.ts) from the job
 * definitions, for stores written before they existed or by masters of an older release
 * (docs/coordination.md, "Partitions"). Idempotent: only what differs is written, each fix guarded
 * by the revision it was computed from, so a job changed meanwhile keeps its writer's index.
 */
export async function repairIndexes(
  client: Etcd3,
  keys: EtcdKeys,
  maxTxnOps: number,
): Promise<RepairResult> {
  const specs = await listPrefix(client, keys.specsPrefix());
  const wanted = new Map<string, { value: string; guard: Fix['guard'] }>();
  for (const kv of specs.kvs) {
    const value = kv.value.toString();
    if (!value.includes('"target"') && !value.includes('"after"')) continue;
    const id = jobIdOfSpecTail(kv.key.toString().slice(keys.specsPrefix().length));
    if (id === undefined) continue;
    const guard = { key: kv.key.toString(), revision: Number(kv.mod_revision) };
    for (const [key, indexValue] of indexEntries(keys, id, indexedOf(value), value))
      wanted.set(key, { value: indexValue, guard });
  }
  const existing = new Map<string, IKeyValue>();
  for (const prefix of [keys.broadPrefix(), keys.childrenPrefix()])
    for (const kv of (await listPrefix(client, prefix)).kvs) existing.set(kv.key.toString(), kv);
  const fixes: Fix[] = [];
  for (const [key, { value, guard }] of wanted)
    if (existing.get(key)?.value.toString() !== value) fixes.push({ key, value, guard });
  for (const [key, kv] of existing)
    if (!wanted.has(key)) fixes.push({ key, guard: { key, revision: Number(kv.mod_revision) } });

  const result: RepairResult = { jobs: specs.kvs.length, written: 0, deleted: 0, skipped: 0 };
  const perTxn = Math.max(1, Math.floor(maxTxnOps / 2));
  for (let i = 0; i < fixes.length; i += perTxn) {
    const batch = fixes.slice(i, i + perTxn);
    const done = (await apply(client, batch))
      ? batch
      : (
          await Promise.all(batch.map(async (fix) => ((await apply(client, [fix])) ? fix : null)))
        ).filter((fix): fix is Fix => fix !== null);
    for (const fix of done) {
      if (fix.value === undefined) result.deleted += 1;
      else result.written += 1;
    }
    result.skipped += batch.length - done.length;
  }
  return result;
}

async function apply(client: Etcd3, fixes: Fix[]): Promise<boolean> {
  const guards = new Map(fixes.map(({ guard }) => [guard.key, guard.revision]));
  const [first, ...rest] = [...guards];
  let txn = client.if(first[0], 'Mod', '==', first[1]);
  for (const [key, revision] of rest) txn = txn.and(key, 'Mod', '==', revision);
  const response = await txn
    .then(
      ...fixes.map((fix) =>
        fix.value === undefined
          ? client.delete().key(fix.key)
          : client.put(fix.key).value(fix.value),
      ),
    )
    .commit();
  return response.succeeded;
}
