/**
 * The CLI's only way to the server: the REST API over HTTP (global fetch). Paths are given from
 * the server's root, `/api/v1/...` included. Non-2xx answers become an ApiError carrying the
 * status and the API's own reason (`field: reason` from its `details`), so callers can branch on
 * 404 or 412 and users see why. The token goes into the Authorization header and nowhere else:
 * no message built here ever contains it.
 */
import { CliError } from './cli-error';

export interface ApiClientOptions {
  url: string;
  token?: string;
  /** Per-request time limit for ordinary (non-streaming) requests; default 30 s. */
  timeoutMs?: number;
  /** Jobs and runs are those of this namespace (default: `default`). */
  namespace?: string;
  /** Called once before the first request: a fresh token (an expired SSO token refreshed). */
  refreshToken?: () => Promise<string | undefined>;
}

export type QueryValue = string | number | boolean | undefined | readonly string[];

export interface RequestOptions {
  /** Sent as JSON (a string is sent as is). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Undefined values are left out; arrays repeat the parameter (`label=a=1&label=b=2`). */
  query?: Record<string, QueryValue>;
}

export interface ApiReply<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** A non-2xx answer of the API. */
export class ApiError extends CliError {
  constructor(
    message: string,
    readonly status: number,
    readonly body?: unknown,
  ) {
    super(message, 1);
    this.name = 'ApiError';
  }
}

interface ErrorBody {
  message?: unknown;
  error?: unknown;
  details?: Array<{ field?: unknown; reason?: unknown }>;
}

/** `field: reason; field: reason` from the API's error shape, else its message, else the status. */
export function describeApiError(status: number, statusText: string, body: unknown): string {
  const suffix = ` (HTTP ${status})`;
  if (body && typeof body === 'object') {
    const { message, details } = body as ErrorBody;
    if (Array.isArray(details) && details.length > 0) {
      const parts = details.map((d) =>
        d.field !== undefined && d.field !== ''
          ? `${String(d.field)}: ${String(d.reason)}`
          : String(d.reason),
      );
      return parts.join('; ') + suffix;
    }
    if (Array.isArray(message)) return message.map(String).join('; ') + suffix;
    if (typeof message === 'string' && message) return message + suffix;
  }
  if (typeof body === 'string' && body.trim() && body.length < 300) return body.trim() + suffix;
  return `${statusText || 'request failed'}${suffix}`;
}

/** One line for a fetch that never got an answer (refused, unknown host, timeout). */
export function describeNetworkError(url: string, error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (error as { code?: string })?.code;
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer from ${url} (timed out)`;
  if (code === 'ECONNREFUSED') return `cannot connect to ${url}: connection refused`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot connect to ${url}: unknown host`;
  if (code === 'ECONNRESET') return `connection to ${url} was reset`;
  const reason = cause?.message ?? (error as Error)?.message ?? String(error);
  return `cannot connect to ${url}: ${reason}`;
}

export class ApiClient {
  readonly url: string;
  private token?: string;
  private readonly timeoutMs: number;
  readonly namespace: string;
  private pending?: Promise<void>;

  constructor(opts: ApiClientOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.token = opts.token;
    const refresh = opts.refreshToken;
    if (refresh)
      this.ready = () =>
        (this.pending ??= refresh().then((token) => {
          if (token) this.token = token;
        }));
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.namespace = opts.namespace ?? 'default';
  }

  buildUrl(path: string, query?: Record<string, QueryValue>): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) params.append(key, v);
      else params.append(key, String(value));
    }
    const search = params.toString();
    return `${this.url}${this.scoped(path.startsWith('/') ? path : `/${path}`)}${search ? `?${search}` : ''}`;
  }

  /** Job and run paths of a namespace other than `default` go under `/api/v1/namespaces/<ns>`. */
  private scoped(path: string): string {
    if (this.namespace === 'default') return path;
    const match = /^\/api\/v1\/(jobs|runs)(\/|$)/.exec(path);
    return match ? `/api/v1/namespaces/${this.namespace}${path.slice('/api/v1'.length)}` : path;
  }

  private ready: () => Promise<void> = () => Promise.resolve();

  private headersFor(extra?: Record<string, string>): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', ...(extra ?? {}) };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    return headers;
  }

  async request<T = unknown>(
    method: string,
    path: string,
    opts: RequestOptions = {},
  ): Promise<ApiReply<T>> {
    await this.ready();
    const headers = this.headersFor(opts.headers);
    let body: string | undefined;
    if (typeof opts.body === 'string') body = opts.body;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await this.fetch(this.buildUrl(path, opts.query), {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!response.ok) {
      throw new ApiError(
        describeApiError(response.status, response.statusText, parsed),
        response.status,
        parsed,
      );
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  /**
   * A streaming GET (Server-Sent Events): the open response, its body unread, no time limit.
   * Non-2xx answers throw ApiError as request() does.
   */
  async stream(
    path: string,
    opts: {
      headers?: Record<string, string>;
      query?: Record<string, QueryValue>;
      signal?: AbortSignal;
    } = {},
  ): Promise<Response> {
    await this.ready();
    const headers = this.headersFor({ accept: 'text/event-stream', ...(opts.headers ?? {}) });
    const response = await this.fetch(this.buildUrl(path, opts.query), {
      method: 'GET',
      headers,
      signal: opts.signal,
    });
    if (!response.ok) {
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      throw new ApiError(
        describeApiError(response.status, response.statusText, parsed),
        response.status,
        parsed,
      );
    }
    return response;
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (error) {
      throw new CliError(describeNetworkError(this.url, error));
    }
  }
}
