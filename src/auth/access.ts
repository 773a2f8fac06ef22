/**
 * Who may do what, where: the one place that decides. Pure (no I/O, no Nest), unit-tested in
 * access.spec.ts; the guard and the token service call it.
 *
 * A token holds grants `{namespace, role}` or is cluster-admin (every role in every namespace,
 * and the cluster itself). Roles are ordered viewer < operator < admin (see actor.ts).
 *
 * Namespaced routes (`/api/v1/namespaces/:ns/...`, and the older routes that mean `default`):
 * - no grant in the namespace: 404 `namespace "x" not found`, the very answer a missing
 *   namespace gets, so a token cannot learn another team's namespace names;
 * - a grant below the route's role: 403 naming the role held and the role needed.
 *
 * Cluster-scoped routes (no namespace: workers, the cluster's masters, cron preview, whoami,
 * tokens, namespace create/delete, cluster settings):
 * - cluster-admin: always;
 * - a route needing viewer or operator: a grant of at least that role in any namespace (these
 *   routes show nothing that belongs to a namespace);
 * - a route needing admin: cluster-admin only, except routes marked delegated (token
 *   management), which a namespace admin may call; the handler then limits it to tokens whose
 *   grants all lie in namespaces where the caller is admin (see mayGrant, mayManage).
 */
import { TOKEN_ROLES, TokenRole, roleAllows } from './actor';

export interface Grant {
  namespace: string;
  role: TokenRole;
}

/** What a token may do: its grants, or cluster-admin. */
export interface Access {
  clusterAdmin: boolean;
  grants: readonly Grant[];
}

export type AccessDecision =
  { allow: true; role: TokenRole } | { allow: false; status: 403 | 404; message: string };

/** The answer for a namespace that does not exist and for one the caller may not see. */
export function namespaceNotFound(namespace: string): string {
  return `namespace "${namespace}" not found`;
}

/** The highest role `access` holds in `namespace`, if any (cluster-admin: admin). */
export function roleIn(access: Access, namespace: string): TokenRole | undefined {
  if (access.clusterAdmin) return 'admin';
  return highest(access.grants.filter((g) => g.namespace === namespace).map((g) => g.role));
}

/** The highest role held anywhere (cluster-admin: admin). */
export function highestRole(access: Access): TokenRole | undefined {
  if (access.clusterAdmin) return 'admin';
  return highest(access.grants.map((g) => g.role));
}

function highest(roles: readonly TokenRole[]): TokenRole | undefined {
  let best: TokenRole | undefined;
  for (const role of roles) if (best === undefined || roleAllows(role, best)) best = role;
  return best;
}

function describe(access: Access): string {
  if (access.grants.length === 0) return 'no grant';
  return access.grants.map((g) => `${g.role} in ${g.namespace}`).join(', ');
}

/**
 * May `access` call a route needing `required`, in `namespace` (undefined: cluster-scoped)?
 * `delegated`: a cluster-scoped admin route a namespace admin may call (token management).
 */
export function decideAccess(
  access: Access,
  namespace: string | undefined,
  required: TokenRole,
  options: { delegated?: boolean } = {},
): AccessDecision {
  if (access.clusterAdmin) return { allow: true, role: 'admin' };
  if (namespace !== undefined) {
    const role = roleIn(access, namespace);
    if (role === undefined)
      return { allow: false, status: 404, message: namespaceNotFound(namespace) };
    if (!roleAllows(role, required))
      return {
        allow: false,
        status: 403,
        message: `role ${role} in namespace "${namespace}" may not do this; it needs ${required}`,
      };
    return { allow: true, role };
  }
  const best = highestRole(access);
  if (required === 'admin' && !options.delegated)
    return {
      allow: false,
      status: 403,
      message: `this needs cluster-admin; the token holds ${describe(access)}`,
    };
  if (best === undefined || !roleAllows(best, required))
    return {
      allow: false,
      status: 403,
      message: `this needs ${required} in some namespace; the token holds ${describe(access)}`,
    };
  return { allow: true, role: best };
}

/** The namespaces of `all` that `access` may see (GET /api/v1/namespaces). */
export function visibleNamespaces(access: Access, all: readonly string[]): string[] {
  if (access.clusterAdmin) return [...all];
  const granted = new Set(access.grants.map((g) => g.namespace));
  return all.filter((name) => granted.has(name));
}

/**
 * Why `actor` may not create a token with `wanted` (undefined: it may). No privilege
 * escalation: only cluster-admin creates cluster-admin tokens, and a namespace admin grants
 * roles only in namespaces where it is admin itself.
 */
export function mayGrant(actor: Access, wanted: Access): string | undefined {
  if (actor.clusterAdmin) return undefined;
  if (wanted.clusterAdmin) return 'only a cluster-admin token may create a cluster-admin token';
  const outside = wanted.grants.filter((g) => roleIn(actor, g.namespace) !== 'admin');
  if (outside.length === 0) return undefined;
  const names = [...new Set(outside.map((g) => `"${g.namespace}"`))].join(', ');
  return `grants in namespace ${names} need admin there; the token holds ${describe(actor)}`;
}

/**
 * May `actor` see and revoke `target`? Cluster-admin: every token. A namespace admin: the
 * tokens it could have created (mayGrant), so managing tokens never reaches beyond its own
 * namespaces; the others look as if they did not exist.
 */
export function mayManage(actor: Access, target: Access): boolean {
  return mayGrant(actor, target) === undefined;
}

/** Grants sorted and without duplicates: one grant per namespace, the highest role kept. */
export function normalizeGrants(grants: readonly Grant[]): Grant[] {
  const byNamespace = new Map<string, TokenRole>();
  for (const { namespace, role } of grants) {
    const held = byNamespace.get(namespace);
    if (held === undefined || roleAllows(role, held)) byNamespace.set(namespace, role);
  }
  return [...byNamespace.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([namespace, role]) => ({ namespace, role }));
}

export function isTokenRole(value: unknown): value is TokenRole {
  return typeof value === 'string' && (TOKEN_ROLES as readonly string[]).includes(value);
}
