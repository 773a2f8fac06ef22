/** The API's tokens and audit log (/api/v1/tokens, /api/v1/audit), as the console uses them. */
import { query, request, type Page, type Role, type Session } from './api';

export interface Grant {
  namespace: string;
  role: Role;
}

export interface Token {
  id: string;
  name: string;
  grants: Grant[];
  clusterAdmin: boolean;
  expiresAt: string | null;
  expired: boolean;
  lastUsedAt: string | null;
  createdAt: string;
  createdBy: string;
}

/** The answer that creates a token: the only one that carries its secret. */
export interface CreatedToken extends Token {
  token: string;
}

export type TokenRequest =
  | { name: string; grants: Grant[]; expiresAt?: string }
  | { name: string; clusterAdmin: true; expiresAt?: string };

export interface AuditEntry {
  entryId: string;
  at: string;
  tokenName: string;
  tokenId: string;
  role: string;
  via: string;
  action: string;
  job?: string;
  revision?: number;
  runId?: string;
  subject?: string;
  override?: string;
  managedBy?: string;
  version?: number;
}

export interface AuditFilter {
  job?: string;
  action?: string;
  actor?: string;
  limit?: number;
  cursor?: string;
}

/**
 * Namespaces where the session may manage tokens (the API's rule, src/auth/access.ts): all of
 * them for a cluster-admin (undefined: no limit), else those where it is admin.
 */
export function tokenNamespaces(session: Session): string[] | undefined {
  if (session.access.clusterAdmin) return undefined;
  return session.access.grants.filter((g) => g.role === 'admin').map((g) => g.namespace);
}

/** Whether the session may use the tokens routes at all (admin somewhere, or cluster-admin). */
export function mayManageTokens(session: Session): boolean {
  const namespaces = tokenNamespaces(session);
  return namespaces === undefined || namespaces.length > 0;
}

export const adminApi = {
  listTokens: (signal?: AbortSignal) => request<Token[]>('/tokens', { signal }),
  createToken: (body: TokenRequest) => request<CreatedToken>('/tokens', { method: 'POST', body }),
  revokeToken: (id: string) =>
    request<Token>(`/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  /** The audit log of the namespace shown, newest first. */
  listAudit: (filter: AuditFilter, signal?: AbortSignal) =>
    request<Page<AuditEntry>>(`/audit${query({ ...filter })}`, { signal }),
};
