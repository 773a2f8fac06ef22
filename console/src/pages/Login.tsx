import { useEffect, useState } from 'preact/hooks';
import {
  ApiError,
  detectAccess,
  detectSsoSession,
  saveSession,
  ssoEnabled,
  ssoLoginUrl,
  type Session,
} from '../api';

export function LoginPage({ onLogin }: { onLogin: (session: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [sso, setSso] = useState(false);

  // Back from the provider (or a reload): the session cookie signs this tab in.
  useEffect(() => {
    void (async () => {
      const session = await detectSsoSession();
      if (session) {
        saveSession(session);
        onLogin(session);
        return;
      }
      setSso(await ssoEnabled());
    })();
  }, []);

  const next = new URLSearchParams(location.search).get('next');
  const back = next && next.startsWith('/') && !next.startsWith('//') ? next : '/';

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const given = token.trim();
    if (!given) {
      setError('Enter a token.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const session = { token: given, access: await detectAccess(given) };
      saveSession(session);
      onLogin(session);
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.status === 401
          ? 'This token is not valid (or was revoked).'
          : caught instanceof Error
            ? caught.message
            : String(caught),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login" id="main">
      <form class="card" onSubmit={submit} aria-describedby="login-help">
        <h1>cronplane</h1>
        <p id="login-help" class="muted">
          Log in with an API token. It is kept in this browser tab only (session storage) and is
          gone when the tab closes.
        </p>
        <label for="token">Token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          autofocus
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'login-error' : undefined}
        />
        {error && (
          <p id="login-error" class="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Log in'}
        </button>
        {sso && (
          <p>
            <a class="button secondary" href={ssoLoginUrl(back)}>
              Sign in with SSO
            </a>
          </p>
        )}
      </form>
    </main>
  );
}
