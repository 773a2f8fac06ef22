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

export const paths = {
  jobs: () => '/',
  newJob: () => '/jobs/new',
  job: (name: string) => `/jobs/${encodeURIComponent(name)}`,
  editJob: (name: string) => `/jobs/${encodeURIComponent(name)}/edit`,
  run: (runId: string) => `/runs/${encodeURIComponent(runId)}`,
  workers: () => '/workers',
  login: () => '/login',
};
