import { TokenRole } from './actor';

/**
 * An API token as stored in etcd at `tokens/<sha256 of the secret, hex>`. The secret itself is
 * never stored; the key is its hash, so a lookup needs no scan.
 */
export interface StoredToken {
  /** Public id: the first 16 hex digits of the hash. */
  id: string;
  name: string;
  role: TokenRole;
  /** sha256 of the secret, hex. */
  hash: string;
  createdAt: string;
  createdBy: string;
}

/** A token as the API shows it: no hash, no secret. */
export type TokenView = Omit<StoredToken, 'hash'>;
