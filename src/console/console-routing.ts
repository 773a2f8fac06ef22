import { ConsoleAsset } from './console-assets';

/**
 * Paths the console never answers: the API, Swagger, probes, metrics and the original crontab's
 * routes. Anything else that asks for HTML gets the single-page app.
 */
const RESERVED = /^\/(?:api|docs|docs-json|healthz|readyz|metrics|job|worker)(?:[/?#.-]|$)/;

/** A missing file (under assets/, or a top-level name with an extension) is a 404, not a page. */
const FILE = /^\/(?:assets\/.*|[^/]+\.[A-Za-z0-9]+)$/;

export type ConsoleAnswer =
  | { kind: 'asset'; asset: ConsoleAsset }
  /** Not the console's: the request goes on to the API's routes (or their 404). */
  | { kind: 'next' }
  /** A console page, but there is no build to serve. */
  | { kind: 'notBuilt' };

function wantsHtml(accept: string | undefined): boolean {
  const value = accept ?? '';
  return value === '' || value.includes('text/html') || value.includes('*/*');
}

/** What the console answers to `method path`: a built file, index.html for its pages, or nothing. */
export function consoleAnswer(
  assets: Map<string, ConsoleAsset>,
  method: string,
  path: string,
  accept: string | undefined,
): ConsoleAnswer {
  if ((method !== 'GET' && method !== 'HEAD') || RESERVED.test(path)) return { kind: 'next' };
  const file = assets.get(path === '/' ? '/index.html' : path);
  if (file) return { kind: 'asset', asset: file };
  // Pages such as /jobs/nightly.report may contain dots; only top-level names are files.
  if (FILE.test(path) || !wantsHtml(accept)) return { kind: 'next' };
  const index = assets.get('/index.html');
  return index ? { kind: 'asset', asset: index } : { kind: 'notBuilt' };
}
