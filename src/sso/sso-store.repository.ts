import { Injectable } from '@nestjs/common';
import { EtcdService } from '../etcd/etcd.service';
import { GroupGrants } from './group-grants';

/** A console session as etcd keeps it: only what the guard needs, under the hash of its id. */
export interface StoredSession {
  subject: string;
  name: string;
  groups: string[];
  createdAt: string;
  expiresAt: string;
}

/** A login between the redirect to the provider and its callback. */
export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Console path to return to after login. */
  returnTo: string;
}

/**
 * SSO state in etcd: the group mapping (`sso/group-grants`), sessions and pending logins, each
 * under a lease of its lifetime, so an expired session is gone from etcd, not just refused.
 */
@Injectable()
export class SsoStoreRepository {
  constructor(private readonly etcd: EtcdService) {}

  async groupGrants(): Promise<GroupGrants> {
    const value = await this.etcd.client.get(this.etcd.keys.ssoGroupGrants()).string();
    return value === null ? { mappings: [] } : (JSON.parse(value) as GroupGrants);
  }

  async setGroupGrants(mapping: GroupGrants): Promise<void> {
    await this.etcd.client.put(this.etcd.keys.ssoGroupGrants()).value(JSON.stringify(mapping));
  }

  async createSession(hash: string, session: StoredSession, ttlSeconds: number): Promise<void> {
    await this.putLeased(this.etcd.keys.ssoSession(hash), session, ttlSeconds);
  }

  async session(hash: string): Promise<StoredSession | undefined> {
    const value = await this.etcd.client.get(this.etcd.keys.ssoSession(hash)).string();
    return value === null ? undefined : (JSON.parse(value) as StoredSession);
  }

  async deleteSession(hash: string): Promise<void> {
    await this.etcd.client.delete().key(this.etcd.keys.ssoSession(hash)).exec();
  }

  async createLogin(hash: string, login: PendingLogin, ttlSeconds: number): Promise<void> {
    await this.putLeased(this.etcd.keys.ssoLogin(hash), login, ttlSeconds);
  }

  /** The pending login, removed in the same step: a callback is answered once. */
  async takeLogin(hash: string): Promise<PendingLogin | undefined> {
    const key = this.etcd.keys.ssoLogin(hash);
    const response = await this.etcd.client.delete().key(key).getPrevious();
    const previous = response[0];
    return previous ? (JSON.parse(previous.value.toString('utf8')) as PendingLogin) : undefined;
  }

  private async putLeased(key: string, value: object, ttlSeconds: number): Promise<void> {
    const { client } = this.etcd;
    const lease = await client.leaseClient.leaseGrant({ TTL: ttlSeconds });
    await client.put(key).value(JSON.stringify(value)).lease(lease.ID);
  }
}
