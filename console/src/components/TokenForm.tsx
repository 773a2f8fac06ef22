import { useState } from 'preact/hooks';
import { ApiError, type Role } from '../api';
import { adminApi, type CreatedToken, type TokenRequest } from '../api-admin';
import { Field } from './Field';
import { ErrorBox } from './ui';

const ROLES: Role[] = ['viewer', 'operator', 'admin'];

interface GrantRow {
  namespace: string;
  role: Role;
}

/** A `datetime-local` value (the browser's zone) as ISO 8601 in UTC; as typed if unreadable. */
export function expiryOf(local: string): string | undefined {
  const text = local.trim();
  if (!text) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

/**
 * The new-token form: a name, grants as namespace + role rows (or cluster-admin, offered to
 * cluster-admins only) and an optional expiry. The API checks everything; its reasons are shown
 * next to their fields.
 */
export function TokenForm({
  namespaces,
  offerClusterAdmin,
  onCreated,
}: {
  /** Namespaces the caller may grant roles in. */
  namespaces: string[];
  offerClusterAdmin: boolean;
  onCreated: (token: CreatedToken) => void;
}) {
  const first = namespaces[0] ?? 'default';
  const [name, setName] = useState('');
  const [clusterAdmin, setClusterAdmin] = useState(false);
  const [grants, setGrants] = useState<GrantRow[]>([{ namespace: first, role: 'viewer' }]);
  const [expires, setExpires] = useState('');
  const [error, setError] = useState<ApiError | Error | undefined>();
  const [saving, setSaving] = useState(false);

  const reason = (field: string): string | undefined =>
    error instanceof ApiError ? error.reasonFor(field) : undefined;
  const setGrant = (index: number, change: Partial<GrantRow>): void =>
    setGrants((rows) => rows.map((row, i) => (i === index ? { ...row, ...change } : row)));

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setSaving(true);
    setError(undefined);
    const expiresAt = expiryOf(expires);
    const body: TokenRequest = clusterAdmin
      ? { name: name.trim(), clusterAdmin: true, ...(expiresAt ? { expiresAt } : {}) }
      : { name: name.trim(), grants, ...(expiresAt ? { expiresAt } : {}) };
    try {
      const created = await adminApi.createToken(body);
      setName('');
      setExpires('');
      setClusterAdmin(false);
      setGrants([{ namespace: first, role: 'viewer' }]);
      onCreated(created);
    } catch (caught) {
      setError(caught instanceof Error ? caught : new Error(String(caught)));
    } finally {
      setSaving(false);
    }
  };

  const grantsReason =
    error instanceof ApiError ? error.details.find((d) => d.field === 'grants')?.reason : undefined;
  // Reasons for fields the form has no place for (or none) go above the button.
  const shown = ['name', 'grants', 'clusterAdmin', 'expiresAt'];
  const general =
    error &&
    (!(error instanceof ApiError) ||
      error.details.length === 0 ||
      error.details.some((d) => !shown.some((f) => d.field === f || d.field.startsWith(`${f}.`))));

  return (
    <form class="editor token-form" aria-label="New token" onSubmit={submit} noValidate>
      <fieldset>
        <legend>New token</legend>
        <Field
          id="token-name"
          label="Name"
          error={reason('name')}
          hint="Who or what uses it; the audit log shows it."
        >
          <input
            id="token-name"
            value={name}
            autocomplete="off"
            aria-invalid={reason('name') ? true : undefined}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </Field>
        {offerClusterAdmin && (
          <label class="check">
            <input
              type="checkbox"
              checked={clusterAdmin}
              onChange={(e) => setClusterAdmin(e.currentTarget.checked)}
            />
            Cluster-admin (every role in every namespace, and the cluster)
          </label>
        )}
        {!clusterAdmin && (
          <fieldset class="grants">
            <legend>Grants</legend>
            {grants.map((grant, index) => (
              <div class="row grant-row" key={index}>
                <Field
                  id={`grant-${index}-namespace`}
                  label="Namespace"
                  error={reason(`grants.${index}.namespace`)}
                >
                  <select
                    id={`grant-${index}-namespace`}
                    value={grant.namespace}
                    onChange={(e) => setGrant(index, { namespace: e.currentTarget.value })}
                  >
                    {(namespaces.includes(grant.namespace)
                      ? namespaces
                      : [...namespaces, grant.namespace]
                    ).map((ns) => (
                      <option key={ns} value={ns}>
                        {ns}
                      </option>
                    ))}
                  </select>
                </Field>
                <Field
                  id={`grant-${index}-role`}
                  label="Role"
                  error={reason(`grants.${index}.role`)}
                >
                  <select
                    id={`grant-${index}-role`}
                    value={grant.role}
                    onChange={(e) => setGrant(index, { role: e.currentTarget.value as Role })}
                  >
                    {ROLES.map((role) => (
                      <option key={role} value={role}>
                        {role}
                      </option>
                    ))}
                  </select>
                </Field>
                {grants.length > 1 && (
                  <button
                    type="button"
                    class="secondary small"
                    aria-label={`Remove grant ${index + 1}`}
                    onClick={() => setGrants((rows) => rows.filter((_, i) => i !== index))}
                  >
                    Remove
                  </button>
                )}
              </div>
            ))}
            {grantsReason && (
              <div class="field-error" role="alert">
                {grantsReason}
              </div>
            )}
            <button
              type="button"
              class="secondary small"
              onClick={() =>
                setGrants((rows) => [
                  ...rows,
                  {
                    namespace:
                      namespaces.find((ns) => !rows.some((r) => r.namespace === ns)) ?? first,
                    role: 'viewer',
                  },
                ])
              }
            >
              Add grant
            </button>
          </fieldset>
        )}
        <Field
          id="token-expires"
          label="Expires (optional, your time zone)"
          error={reason('expiresAt')}
          hint="Empty: it never expires."
        >
          <input
            id="token-expires"
            type="datetime-local"
            value={expires}
            aria-invalid={reason('expiresAt') ? true : undefined}
            onInput={(e) => setExpires(e.currentTarget.value)}
          />
        </Field>
        {general && <ErrorBox error={error} />}
        <div class="actions">
          <button type="submit" disabled={saving}>
            {saving ? 'Creating…' : 'Create token'}
          </button>
        </div>
      </fieldset>
    </form>
  );
}
