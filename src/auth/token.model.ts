import { DEFAULT_NAMESPACE } from '../namespaces/namespace';
import { Access, Grant } from './access';
import { TokenRole } from './actor';

/**
 * An API token as stored in etcd at `tokens/<sha256 of the secret, hex>`. The secret itself is
 * never stored; the key is its hash, so a lookup needs no scan. Its last use is not stored here
 * but in MongoDB (token-usage.repository.ts), so using a token never writes to etcd.
 *
 * Records of the release before namespaces carry only `role`; they are read by `accessOf`:
 * an old `admin` token had the whole cluster and is cluster-admin, an old `operator` or
 * `viewer` token holds that role in namespace `default`. New records still write `role` when
 * it means the same to that release (see `legacyRole`), so a rollback keeps those tokens
 * working, and leaves out the others, which that release then refuses.
 */
export interface StoredToken {
  /** Public id: the first 16 hex digits of the hash. */
  id: string;
  name: string;
  /** The release before namespaces: its only field of rights. Read through `accessOf`. */
  role?: TokenRole;
  grants?: Grant[];
  clusterAdmin?: true;
  /** ISO 8601; from then on the token is refused with 401 "token expired". */
  expiresAt?: string;
  /** sha256 of the secret, hex. */
  hash: string;
  createdAt: string;
  createdBy: string;
}

/** The rights of a stored token, whichever release wrote it. */
export function accessOf(token: StoredToken): Access {
  if (token.clusterAdmin === true) return { clusterAdmin: true, grants: [] };
  if (Array.isArray(token.grants)) return { clusterAdmin: false, grants: token.grants };
  if (token.role === 'admin') return { clusterAdmin: true, grants: [] };
  if (token.role !== undefined)
    return { clusterAdmin: false, grants: [{ namespace: DEFAULT_NAMESPACE, role: token.role }] };
  return { clusterAdmin: false, grants: [] };
}

/**
 * The `role` the release before namespaces would read with the same meaning: admin for
 * cluster-admin, the role of a token whose only grant is on `default`; otherwise none.
 */
export function legacyRole(access: Access): TokenRole | undefined {
  if (access.clusterAdmin) return 'admin';
  const [only, ...rest] = access.grants;
  if (only && rest.length === 0 && only.namespace === DEFAULT_NAMESPACE && only.role !== 'admin')
    return only.role;
  return undefined;
}

export function isExpired(token: Pick<StoredToken, 'expiresAt'>, now: number): boolean {
  return token.expiresAt !== undefined && Date.parse(token.expiresAt) <= now;
}

/** A token as the API shows it: no hash, no secret. */
export interface TokenView {
  id: string;
  name: string;
  /** Its role in namespace `default` (cluster-admin: admin): what clients before namespaces read. */
  role?: TokenRole;
  grants: Grant[];
  clusterAdmin: boolean;
  expiresAt: string | null;
  expired: boolean;
  /** When a master last saw it used (updated at most about once a minute). */
  lastUsedAt: string | null;
  createdAt: string;
  createdBy: string;
}
