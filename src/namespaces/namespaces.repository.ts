import { Injectable } from '@nestjs/common';
import { EtcdService } from '../etcd/etcd.service';
import { EtcdKeys } from '../etcd/etcd-keys';
import { listPrefix } from '../etcd/paged-range';
import { DEFAULT_NAMESPACE } from './namespace';
import { NamespaceSpec, StoredNamespace, defaultNamespaceSpec } from './namespace.model';

/** Namespaces in etcd at `namespaces/<name>`; `default` reads as its defaults when not stored. */
@Injectable()
export class NamespacesRepository {
  constructor(private readonly etcd: EtcdService) {}

  async get(name: string): Promise<StoredNamespace | undefined> {
    const { kvs } = await this.etcd.client.get(this.etcd.keys.namespace(name)).exec();
    if (kvs[0])
      return {
        ...(JSON.parse(kvs[0].value.toString()) as NamespaceSpec),
        name,
        revision: Number(kvs[0].mod_revision),
      };
    return name === DEFAULT_NAMESPACE ? defaultNamespaceSpec(name) : undefined;
  }

  async list(): Promise<StoredNamespace[]> {
    const { kvs } = await listPrefix(this.etcd.client, this.etcd.keys.namespacesPrefix());
    const spaces = new Map<string, StoredNamespace>([
      [DEFAULT_NAMESPACE, defaultNamespaceSpec(DEFAULT_NAMESPACE)],
    ]);
    for (const kv of kvs) {
      const name = EtcdKeys.tail(kv.key.toString(), this.etcd.keys.namespacesPrefix()) ?? '';
      const spec = JSON.parse(kv.value.toString()) as NamespaceSpec;
      spaces.set(name, { ...spec, name, revision: Number(kv.mod_revision) });
    }
    return [...spaces.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /**
   * Writes `spec` if the namespace's revision is still `expected` (0: not stored). The new
   * revision, or undefined when it changed meanwhile.
   */
  async put(spec: NamespaceSpec, expected: number): Promise<number | undefined> {
    const { client, keys } = this.etcd;
    const key = keys.namespace(spec.name);
    const response = await client
      .if(key, 'Mod', '==', expected)
      .then(client.put(key).value(JSON.stringify(spec)))
      .commit();
    return response.succeeded ? Number(response.header.revision) : undefined;
  }

  /**
   * Deletes the namespace if its revision is still `expected` and no job was written in it
   * since `fenceRevision` (every job write in a namespace puts its fence key).
   */
  async delete(name: string, expected: number, fenceRevision: number): Promise<boolean> {
    const { client, keys } = this.etcd;
    const response = await client
      .if(keys.namespace(name), 'Mod', '==', expected)
      .and(keys.namespaceFence(name), 'Mod', '==', fenceRevision)
      .then(
        client.delete().key(keys.namespace(name)),
        client.delete().key(keys.namespaceFence(name)),
      )
      .commit();
    return response.succeeded;
  }

  /** The fence key's revision (0 when absent), read before deciding a namespace is empty. */
  async fenceRevision(name: string): Promise<number> {
    const { kvs } = await this.etcd.client.get(this.etcd.keys.namespaceFence(name)).exec();
    return kvs[0] ? Number(kvs[0].mod_revision) : 0;
  }
}
