import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  clearSession,
  loadSession,
  roleIn,
  setUnauthorizedHandler,
  ssoLogout,
  type Session,
} from './api';
import { mayManageTokens } from './api-admin';
import { AuditPage } from './pages/AuditPage';
import { JobDetailPage } from './pages/JobDetail';
import { JobEditorPage } from './pages/JobEditor';
import { JobsPage } from './pages/JobsPage';
import { LoginPage } from './pages/Login';
import { RunDetailPage } from './pages/RunDetail';
import { TokensPage } from './pages/TokensPage';
import { WorkersPage } from './pages/WorkersPage';
import { DependenciesPage } from './pages/DependenciesPage';
import { currentNamespace, navigate, onLinkClick, pagePath, paths, useLocation } from './router';
import { NamespaceSwitcher } from './components/NamespaceSwitcher';
import './styles.css';

function Page({ session }: { session: Session }) {
  const path = pagePath(useLocation().path);
  // What the token may do here, in the namespace shown.
  const role = roleIn(session, currentNamespace()) ?? 'viewer';
  let match: RegExpExecArray | null;
  if (path === '/' || path === '/jobs') return <JobsPage role={role} />;
  if (path === '/jobs/new') return <JobEditorPage role={role} />;
  if ((match = /^\/jobs\/([^/]+)\/edit$/.exec(path)))
    return <JobEditorPage role={role} name={decodeURIComponent(match[1])} />;
  if ((match = /^\/jobs\/([^/]+)$/.exec(path)))
    return <JobDetailPage role={role} name={decodeURIComponent(match[1])} />;
  if ((match = /^\/runs\/([^/]+)$/.exec(path)))
    return <RunDetailPage role={role} runId={decodeURIComponent(match[1])} />;
  if (path === '/audit') return <AuditPage />;
  if (path === '/workers') return <WorkersPage />;
  if (path === '/dependencies') return <DependenciesPage />;
  if (path === '/tokens') return <TokensPage session={session} />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no console page at <code>{path}</code>. <a href={paths.jobs()}>Back to the jobs</a>
        .
      </p>
    </section>
  );
}

function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const { path } = useLocation();

  useEffect(() => {
    setUnauthorizedHandler(() => {
      clearSession();
      setSession(undefined);
    });
  }, []);

  useEffect(() => {
    if (!session && path !== paths.login()) {
      const back = path + location.search;
      navigate(`${paths.login()}${back !== '/' ? `?next=${encodeURIComponent(back)}` : ''}`, true);
    }
  }, [session, path]);

  if (!session || path === paths.login()) {
    return (
      <LoginPage
        onLogin={(next) => {
          setSession(next);
          const target = new URLSearchParams(location.search).get('next');
          navigate(
            target && target.startsWith('/') && !target.startsWith('//') ? target : paths.jobs(),
            true,
          );
        }}
      />
    );
  }

  const logout = async (): Promise<void> => {
    // An SSO session ends on the master too, so its cookie no longer works.
    if (session.sso) await ssoLogout().catch(() => undefined);
    clearSession();
    setSession(undefined);
    navigate(paths.login(), true);
  };
  const page = pagePath(path);
  const section =
    ['/workers', '/audit', '/tokens', '/dependencies'].find((p) => page.startsWith(p)) ?? '/jobs';
  const shownRole = roleIn(session, currentNamespace(path)) ?? 'viewer';
  return (
    <div class="shell" onClick={onLinkClick}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={paths.jobs()}>
          cronplane
        </a>
        <nav aria-label="Main">
          <a href={paths.jobs()} aria-current={section === '/jobs' ? 'page' : undefined}>
            Jobs
          </a>
          <a
            href={paths.dependencies()}
            aria-current={section === '/dependencies' ? 'page' : undefined}
          >
            Dependencies
          </a>
          <a href={paths.audit()} aria-current={section === '/audit' ? 'page' : undefined}>
            Audit
          </a>
          <a href={paths.workers()} aria-current={section === '/workers' ? 'page' : undefined}>
            Workers
          </a>
          {mayManageTokens(session) && (
            <a href={paths.tokens()} aria-current={section === '/tokens' ? 'page' : undefined}>
              Tokens
            </a>
          )}
        </nav>
        <NamespaceSwitcher current={currentNamespace(path)} />
        <span class="who">
          {session.name && <span class="muted">{session.name}</span>}
          <span class={`badge role-${shownRole}`} title="Your token's role in this namespace">
            {shownRole}
          </span>
          <button type="button" class="secondary small" onClick={() => void logout()}>
            Log out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {/* A page of another namespace is another page: switching remounts it. */}
        <Page key={currentNamespace(path)} session={session} />
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
