import { Injectable } from '@nestjs/common';
import { EtcdService } from '../etcd/etcd.service';
import { EtcdKeys } from '../etcd/etcd-keys';
import { listPrefix } from '../etcd/paged-range';
import { SealedValue } from './secret-crypto';

/** A secret as stored at `secrets/<namespace>/<name>`: sealed, with who changed it and when. */
export interface StoredSecret extends SealedValue {
  name: string;
  namespace: string;
  updatedAt: string;
  updatedBy: string;
}

@Injectable()
export class SecretsRepository {
  constructor(private readonly etcd: EtcdService) {}

  async get(namespace: string, name: string): Promise<StoredSecret | undefined> {
    const value = await this.etcd.client.get(this.etcd.keys.secret(namespace, name)).string();
    return value === null ? undefined : (JSON.parse(value) as StoredSecret);
  }

  /** With their revisions, for a compare-and-swap rewrap. */
  async list(namespace?: string): Promise<{ secret: StoredSecret; revision: number }[]> {
    const prefix =
      namespace === undefined
        ? `${this.etcd.keys.prefix}secrets/`
        : this.etcd.keys.secretsPrefix(namespace);
    const { kvs } = await listPrefix(this.etcd.client, prefix);
    return kvs
      .filter((kv) => EtcdKeys.tail(kv.key.toString(), prefix) !== undefined)
      .map((kv) => ({
        secret: JSON.parse(kv.value.toString()) as StoredSecret,
        revision: Number(kv.mod_revision),
      }));
  }

  async put(secret: StoredSecret): Promise<void> {
    await this.etcd.client
      .put(this.etcd.keys.secret(secret.namespace, secret.name))
      .value(JSON.stringify(secret));
  }

  /** Replaces the secret if it is unchanged since `revision`. */
  async replace(secret: StoredSecret, revision: number): Promise<boolean> {
    const { client, keys } = this.etcd;
    const key = keys.secret(secret.namespace, secret.name);
    const response = await client
      .if(key, 'Mod', '==', revision)
      .then(client.put(key).value(JSON.stringify(secret)))
      .commit();
    return response.succeeded;
  }

  async delete(namespace: string, name: string): Promise<boolean> {
    const response = await this.etcd.client
      .delete()
      .key(this.etcd.keys.secret(namespace, name))
      .exec();
    return Number(response.deleted) > 0;
  }
}
