import { Injectable } from '@nestjs/common';
import { EtcdService } from '../etcd/etcd.service';
import { prefixStrings } from '../etcd/paged-range';
import { StoredToken } from './token.model';

/** API tokens in etcd under `tokens/`, keyed by the hash of their secret. */
@Injectable()
export class TokensRepository {
  constructor(private readonly etcd: EtcdService) {}

  async findByHash(hash: string): Promise<StoredToken | undefined> {
    const value = await this.etcd.client.get(this.etcd.keys.token(hash)).string();
    return value === null ? undefined : (JSON.parse(value) as StoredToken);
  }

  async list(): Promise<StoredToken[]> {
    const values = await prefixStrings(this.etcd.client, this.etcd.keys.tokensPrefix());
    return Object.values(values).map((value) => JSON.parse(value) as StoredToken);
  }

  /** False when a token with the same secret exists already. */
  async create(token: StoredToken): Promise<boolean> {
    const { client, keys } = this.etcd;
    const key = keys.token(token.hash);
    const response = await client
      .if(key, 'Create', '==', 0)
      .then(
        client.put(key).value(JSON.stringify(token)),
        client.put(keys.tokensBootstrapped()).value('1'),
      )
      .commit();
    return response.succeeded;
  }

  /**
   * Stores the first generated admin token unless some master already did (the bootstrap
   * marker exists). True for the one master whose token was stored.
   */
  async createFirst(token: StoredToken): Promise<boolean> {
    const { client, keys } = this.etcd;
    const marker = keys.tokensBootstrapped();
    const response = await client
      .if(marker, 'Create', '==', 0)
      .then(
        client.put(keys.token(token.hash)).value(JSON.stringify(token)),
        client.put(marker).value('1'),
      )
      .commit();
    return response.succeeded;
  }

  /** Deletes the token stored under `hash` if it is still there. */
  async delete(hash: string): Promise<boolean> {
    const response = await this.etcd.client.delete().key(this.etcd.keys.token(hash)).exec();
    return Number(response.deleted) > 0;
  }
}
