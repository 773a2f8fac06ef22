export const TOKEN_ROLES = ['viewer', 'operator', 'admin'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

/** viewer reads; operator also runs, kills, pauses and resumes; admin does everything. */
export function roleAllows(role: TokenRole, required: TokenRole): boolean {
  return TOKEN_ROLES.indexOf(role) >= TOKEN_ROLES.indexOf(required);
}

/** Who asks for a change, and through which API: what the audit log records. */
export interface Actor {
  tokenId: string;
  name: string;
  /** The role it acts with on this request (its role in the request's namespace). */
  role: TokenRole;
  via: 'v1' | 'compat' | 'system';
  /** The token's rights, as AuthGuard found them; absent for system actors. */
  clusterAdmin?: boolean;
  grants?: readonly { namespace: string; role: TokenRole }[];
}
