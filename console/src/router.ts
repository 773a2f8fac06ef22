import { useEffect, useState } from 'preact/hooks';

/** A tiny history router: the master answers every console path with index.html. */
const listeners = new Set<() => void>();

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  listeners.forEach((listener) => listener());
  window.scrollTo(0, 0);
}

window.addEventListener('popstate', () => listeners.forEach((listener) => listener()));

export interface Location {
  path: string;
  params: URLSearchParams;
}

export function useLocation(): Location {
  const read = (): Location => ({
    path: location.pathname,
    params: new URLSearchParams(location.search),
  });
  const [current, setCurrent] = useState(read);
  useEffect(() => {
    const update = (): void => setCurrent(read());
    listeners.add(update);
    return () => listeners.delete(update);
  }, []);
  return current;
}

/** Same-origin links navigate without a page load; modified clicks keep the browser's behaviour. */
export function onLinkClick(event: MouseEvent): void {
  const anchor = (event.target as Element).closest('a');
  if (!anchor || anchor.target || anchor.origin !== location.origin) return;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  if (anchor.pathname.startsWith('/api/') || anchor.pathname.startsWith('/docs')) return;
  event.preventDefault();
  navigate(anchor.pathname + anchor.search);
}

/** Pages of a namespace other than `default` live under `/ns/<namespace>`. */
const NAMESPACED = /^\/ns\/([a-z0-9][a-z0-9-]{0,62})(?=\/|$)/;

/** The namespace the console shows, from the address. */
export function currentNamespace(path = location.pathname): string {
  return NAMESPACED.exec(path)?.[1] ?? 'default';
}

/** The page path within its namespace (`/ns/team-a/jobs/x` is `/jobs/x` of team-a). */
export function pagePath(path: string): string {
  const match = NAMESPACED.exec(path);
  return match ? path.slice(match[0].length) || '/' : path;
}

function inNamespace(path: string, namespace = currentNamespace()): string {
  return namespace === 'default' ? path : `/ns/${namespace}${path === '/' ? '' : path}`;
}

export const paths = {
  jobs: (namespace?: string) => inNamespace('/', namespace),
  newJob: () => inNamespace('/jobs/new'),
  job: (name: string) => inNamespace(`/jobs/${encodeURIComponent(name)}`),
  editJob: (name: string) => inNamespace(`/jobs/${encodeURIComponent(name)}/edit`),
  run: (runId: string) => inNamespace(`/runs/${encodeURIComponent(runId)}`),
  audit: (namespace?: string) => inNamespace('/audit', namespace),
  workers: () => '/workers',
  dependencies: () => inNamespace('/dependencies'),
  tokens: () => '/tokens',
  login: () => '/login',
};
