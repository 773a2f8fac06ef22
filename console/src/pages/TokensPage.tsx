import { useState } from 'preact/hooks';
import { api, type Session } from '../api';
import {
  adminApi,
  mayManageTokens,
  tokenNamespaces,
  type CreatedToken,
  type Token,
} from '../api-admin';
import { TokenForm } from '../components/TokenForm';
import { ConfirmButton, Empty, ErrorBox, Loading, Notice, useLoad } from '../components/ui';
import { formatTime, relativeTime } from '../format';

/** The secret of a token just created: shown here once, never stored, gone on Done. */
function NewSecret({ token, onDone }: { token: CreatedToken; onDone: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'no' | undefined>();
  const copy = (): void => {
    navigator.clipboard.writeText(token.token).then(
      () => setCopied('yes'),
      () => setCopied('no'),
    );
  };
  return (
    <section class="card new-secret" aria-labelledby="new-secret-title" data-testid="new-secret">
      <h2 id="new-secret-title">Token “{token.name}” created</h2>
      <p class="warn">
        <strong>This secret is shown only once.</strong> Copy it now: the API keeps only its hash
        and cannot show it again. If it is lost, revoke the token and create another.
      </p>
      <div class="secret-row">
        <input
          class="mono"
          readOnly
          aria-label="New token secret"
          value={token.token}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" onClick={copy}>
          Copy
        </button>
      </div>
      {copied === 'yes' && <p role="status">Copied to the clipboard.</p>}
      {copied === 'no' && (
        <p role="status">The browser refused the clipboard: select the secret and copy it.</p>
      )}
      <div class="actions">
        <button type="button" class="secondary" onClick={onDone}>
          Done, hide the secret
        </button>
      </div>
    </section>
  );
}

function Grants({ token }: { token: Token }) {
  if (token.clusterAdmin) return <span class="badge role-admin">cluster-admin</span>;
  return (
    <span class="labels">
      {token.grants.map((grant) => (
        <span class="label" key={grant.namespace}>
          {grant.namespace}: {grant.role}
        </span>
      ))}
    </span>
  );
}

/**
 * Tokens the caller may manage (cluster-admin: all; a namespace admin: those whose grants lie in
 * its namespaces), a form for a new one and revocation. Revoked tokens leave the API's list; this
 * page marks them revoked until it is reloaded.
 */
export function TokensPage({ session }: { session: Session }) {
  const tokens = useLoad((signal) => adminApi.listTokens(signal), []);
  const namespaces = useLoad((signal) => api.namespaces(signal), []);
  const [created, setCreated] = useState<CreatedToken | undefined>();
  const [revoked, setRevoked] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>();

  if (!mayManageTokens(session)) {
    return (
      <section>
        <h1>Tokens</h1>
        <Empty>Only a cluster-admin or a namespace admin can manage tokens.</Empty>
      </section>
    );
  }
  const limit = tokenNamespaces(session);
  const grantable = (namespaces.data?.map((ns) => ns.name) ?? limit ?? ['default']).filter(
    (ns) => limit === undefined || limit.includes(ns),
  );

  const revoke = async (token: Token): Promise<void> => {
    try {
      await adminApi.revokeToken(token.id);
      setRevoked((all) => new Set(all).add(token.id));
      setNotice({ kind: 'ok', text: `Token “${token.name}” revoked: the API refuses it now.` });
    } catch (error) {
      setNotice({ kind: 'error', text: `Not revoked: ${(error as Error).message}` });
    }
  };

  return (
    <section>
      <div class="page-head">
        <h1>Tokens</h1>
      </div>
      <Notice notice={notice} />
      {created && <NewSecret token={created} onDone={() => setCreated(undefined)} />}
      <TokenForm
        namespaces={grantable}
        offerClusterAdmin={session.access.clusterAdmin}
        onCreated={(token) => {
          setCreated(token);
          setNotice(undefined);
          tokens.reload();
        }}
      />

      <h2>Tokens</h2>
      {tokens.error ? <ErrorBox error={tokens.error} onRetry={tokens.reload} /> : null}
      {tokens.loading && !tokens.data ? <Loading what="tokens" /> : null}
      {tokens.data && tokens.data.length === 0 ? <Empty>No token you may manage.</Empty> : null}
      {tokens.data && tokens.data.length > 0 && (
        <div class="table-wrap">
          <table class="tokens" aria-label="Tokens">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Grants</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((token) => {
                const gone = revoked.has(token.id);
                return (
                  <tr key={token.id} data-token-id={token.id}>
                    <td data-label="Name" class="break">
                      <strong>{token.name}</strong>
                      <div class="muted small mono">{token.id}</div>
                    </td>
                    <td data-label="Grants">
                      <Grants token={token} />
                    </td>
                    <td data-label="Created">
                      {formatTime(token.createdAt)}
                      <div class="muted small">by {token.createdBy}</div>
                    </td>
                    <td data-label="Expires">
                      {token.expiresAt ? (
                        <span title={token.expiresAt}>
                          {formatTime(token.expiresAt)}
                          <div class="muted small">{relativeTime(token.expiresAt)}</div>
                        </span>
                      ) : (
                        <span class="muted">never</span>
                      )}
                    </td>
                    <td data-label="Last used">
                      {token.lastUsedAt ? (
                        <span title={token.lastUsedAt}>{relativeTime(token.lastUsedAt)}</span>
                      ) : (
                        <span class="muted">never</span>
                      )}
                    </td>
                    <td data-label="State">
                      {gone ? (
                        <span class="badge status-killed">revoked</span>
                      ) : token.expired ? (
                        <span class="badge paused">expired</span>
                      ) : (
                        <span class="badge enabled">active</span>
                      )}
                    </td>
                    <td data-label="">
                      {!gone && (
                        <ConfirmButton
                          id={`revoke-${token.id}`}
                          label="Revoke"
                          title={`Revoke token “${token.name}”?`}
                          message="Every request with it is refused (401) from now on. This cannot be undone."
                          confirmLabel="Revoke token"
                          danger
                          onConfirm={() => revoke(token)}
                        />
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
