/**
 * The mapping from the provider's groups to cronplane rights, kept in etcd at `sso/group-grants`
 * and edited by a cluster-admin (PUT /api/v1/sso/group-grants). Pure: validation and the rights
 * a list of groups gives, unit-tested in group-grants.spec.ts.
 *
 * A user's rights are the union of the rights of its groups that have a mapping: cluster-admin
 * if one of them is, else all their grants (per namespace, the highest role). A user with no
 * mapped group holds no grant, as a token without grants: 403 on cluster routes, 404 in a
 * namespace.
 */
import { NAMESPACE_PATTERN } from '../namespaces/namespace';
import { Access, Grant, isTokenRole, normalizeGrants } from '../auth/access';
import { TOKEN_ROLES } from '../auth/actor';

export interface GroupMapping {
  group: string;
  grants: Grant[];
  clusterAdmin: boolean;
}

export interface GroupGrants {
  mappings: GroupMapping[];
}

export interface FieldError {
  field: string;
  reason: string;
}

export const MAX_MAPPINGS = 1000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a PUT body; every problem is named by its field (`mappings[2].grants[0].role`). */
export function parseGroupGrants(
  body: unknown,
): { value: GroupGrants; errors?: undefined } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (!isRecord(body)) return { errors: [{ field: 'body', reason: 'must be a JSON object' }] };
  for (const key of Object.keys(body))
    if (key !== 'mappings') errors.push({ field: key, reason: 'is not a known field' });
  const list = body.mappings;
  if (!Array.isArray(list))
    return { errors: [...errors, { field: 'mappings', reason: 'must be an array' }] };
  if (list.length > MAX_MAPPINGS)
    errors.push({ field: 'mappings', reason: `must have at most ${MAX_MAPPINGS} entries` });
  const seen = new Set<string>();
  const mappings: GroupMapping[] = [];
  list.forEach((entry: unknown, i) => {
    const at = `mappings[${i}]`;
    if (!isRecord(entry)) {
      errors.push({ field: at, reason: 'must be an object' });
      return;
    }
    for (const key of Object.keys(entry))
      if (!['group', 'grants', 'clusterAdmin'].includes(key))
        errors.push({ field: `${at}.${key}`, reason: 'is not a known field' });
    const { group, grants, clusterAdmin } = entry;
    if (typeof group !== 'string' || group.length === 0 || group.length > 256)
      errors.push({ field: `${at}.group`, reason: 'must be a string of 1 to 256 characters' });
    else if (seen.has(group))
      errors.push({ field: `${at}.group`, reason: `"${group}" is mapped twice` });
    else seen.add(group);
    if (clusterAdmin !== undefined && typeof clusterAdmin !== 'boolean')
      errors.push({ field: `${at}.clusterAdmin`, reason: 'must be true or false' });
    const checked: Grant[] = [];
    if (grants !== undefined && !Array.isArray(grants))
      errors.push({ field: `${at}.grants`, reason: 'must be an array' });
    else
      (grants ?? []).forEach((grant: unknown, j: number) => {
        const g = `${at}.grants[${j}]`;
        if (!isRecord(grant)) {
          errors.push({ field: g, reason: 'must be an object with namespace and role' });
          return;
        }
        const { namespace, role } = grant;
        const okNamespace = typeof namespace === 'string' && NAMESPACE_PATTERN.test(namespace);
        if (!okNamespace)
          errors.push({ field: `${g}.namespace`, reason: 'must be a namespace name' });
        if (!isTokenRole(role))
          errors.push({ field: `${g}.role`, reason: `must be one of ${TOKEN_ROLES.join(', ')}` });
        if (okNamespace && isTokenRole(role)) checked.push({ namespace, role });
      });
    const none = grants === undefined || (Array.isArray(grants) && grants.length === 0);
    if (clusterAdmin !== true && none)
      errors.push({
        field: `${at}.grants`,
        reason: 'must hold a grant unless clusterAdmin is true',
      });
    if (typeof group === 'string')
      mappings.push({
        group,
        grants: normalizeGrants(checked),
        clusterAdmin: clusterAdmin === true,
      });
  });
  if (errors.length > 0) return { errors };
  mappings.sort((a, b) => a.group.localeCompare(b.group));
  return { value: { mappings } };
}

/** The rights `groups` give under `mapping`. */
export function accessOfGroups(mapping: GroupGrants, groups: readonly string[]): Access {
  const held = new Set(groups);
  const matched = mapping.mappings.filter((m) => held.has(m.group));
  if (matched.some((m) => m.clusterAdmin)) return { clusterAdmin: true, grants: [] };
  return { clusterAdmin: false, grants: normalizeGrants(matched.flatMap((m) => m.grants)) };
}

/** The groups a claim holds: an array of strings, or one string. Anything else: none. */
export function groupsOfClaim(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string');
  return [];
}
