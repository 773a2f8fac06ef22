/**
 * HTTP for the security tests: raw answers (status, headers, body text) and a chosen source
 * address on loopback (127.0.0.x), so per-client limits can be tested from several "clients".
 */
import { IncomingHttpHeaders, request } from 'node:http';

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Source address, e.g. 127.0.0.2. */
  from?: string;
}

export function send(baseUrl: string, path: string, options: RawRequest = {}): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        // The path goes out byte for byte (no normalisation of "..", "%2F").
        path,
        method: options.method ?? 'GET',
        headers: {
          ...(options.body !== undefined
            ? {
                'content-type': 'application/json',
                'content-length': String(Buffer.byteLength(options.body)),
              }
            : {}),
          ...options.headers,
        },
        localAddress: options.from,
        timeout: 10000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${options.method ?? 'GET'} ${path}`)));
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
}

export interface Route {
  method: string;
  /** The path with `{param}` placeholders filled in. */
  path: string;
  template: string;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

/** Every operation of an OpenAPI document, parameters filled with a harmless value. */
export function routesOf(document: OpenApiDocument): Route[] {
  const routes: Route[] = [];
  for (const [template, operations] of Object.entries(document.paths)) {
    for (const method of Object.keys(operations)) {
      if (!METHODS.has(method)) continue;
      routes.push({
        method: method.toUpperCase(),
        template,
        // `{ns}`: a namespace that exists (`default`), so a refusal is not a hidden namespace's 404.
        path: template.replace('{ns}', 'default').replace(/\{[^}]+\}/g, 'sample-1'),
      });
    }
  }
  return routes;
}

/**
 * The original crontab's routes: not in the OpenAPI document (the compat controller is excluded
 * from it), so listed here.
 */
export const COMPAT_ROUTES: Route[] = [
  { method: 'POST', path: '/job/save', template: '/job/save' },
  { method: 'POST', path: '/job/delete', template: '/job/delete' },
  { method: 'GET', path: '/job/list', template: '/job/list' },
  { method: 'POST', path: '/job/kill', template: '/job/kill' },
  { method: 'GET', path: '/job/log?name=sample-1', template: '/job/log' },
  { method: 'GET', path: '/worker/list', template: '/worker/list' },
];
