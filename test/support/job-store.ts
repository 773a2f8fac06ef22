/**
 * Job definitions written straight into etcd as a master writes them: the definition and, in the
 * same transaction, its worker-side index keys (`broad/`, `children/`: src/jobs/job-index.ts).
 * Tests and benchmarks that run workers without a master seed jobs through here.
 */
import { Etcd3 } from 'etcd3';
import { EtcdKeys, jobId } from '../../src/etcd/etcd-keys';
import { indexChanges, indexedOf, indexEntries } from '../../src/jobs/job-index';
import { JobSpec } from '../../src/jobs/job.model';
import { DEFAULT_NAMESPACE } from '../../src/namespaces/namespace';

export async function writeJob(etcd: Etcd3, prefix: string, spec: JobSpec): Promise<void> {
  const keys = new EtcdKeys(prefix);
  const namespace = spec.namespace ?? DEFAULT_NAMESPACE;
  const id = jobId(namespace, spec.name);
  const key = keys.spec(namespace, spec.name);
  const value = JSON.stringify(spec);
  const before = await etcd.get(key).string();
  const { puts, deletes } = indexChanges(
    before === null ? new Map() : indexEntries(keys, id, indexedOf(before), before),
    indexEntries(keys, id, spec, value),
  );
  await etcd
    .if(key, 'Version', '>', -1)
    .then(
      etcd.put(key).value(value),
      ...puts.map(([k, v]) => etcd.put(k).value(v)),
      ...deletes.map((k) => etcd.delete().key(k)),
    )
    .commit();
}

/** Deletes every definition with its index keys. */
export async function deleteAllJobs(etcd: Etcd3, prefix: string): Promise<void> {
  const keys = new EtcdKeys(prefix);
  for (const under of [keys.specsPrefix(), keys.broadPrefix(), keys.childrenPrefix()])
    await etcd.delete().prefix(under);
}

/** Deletes one definition with its index keys, in one transaction. */
export async function deleteJob(
  etcd: Etcd3,
  prefix: string,
  namespace: string,
  name: string,
): Promise<void> {
  const keys = new EtcdKeys(prefix);
  const key = keys.spec(namespace, name);
  const before = await etcd.get(key).string();
  const index =
    before === null
      ? new Map<string, string>()
      : indexEntries(keys, jobId(namespace, name), indexedOf(before), before);
  await etcd
    .if(key, 'Version', '>', -1)
    .then(etcd.delete().key(key), ...[...index.keys()].map((k) => etcd.delete().key(k)))
    .commit();
}
