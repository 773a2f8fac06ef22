import { EnvValue } from './job.model';

/**
 * An HTTP job's executor: the worker sends one request per run instead of spawning a command.
 * A job without `executor` (or with `{type: "shell"}` in a request) is a shell job, as before.
 */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface HttpExecutorSpec {
  type: 'http';
  method: HttpMethod;
  url: string;
  /** Request headers: a value, or `{"secretRef": name}` resolved on the worker only. */
  headers?: Record<string, EnvValue>;
  body?: string;
  /** Statuses that succeed: codes (`204`), classes (`2xx`) or ranges (`200-299`); default 2xx. */
  expectStatus?: string[];
  /** Redirects followed at most; 0: a 3xx is the response. */
  followRedirects?: number;
  /** Bytes of the response body kept in the output; the rest is not read. */
  maxResponseBytes?: number;
}

export const HTTP_DEFAULTS = {
  expectStatus: ['2xx'],
  followRedirects: 0,
  maxResponseBytes: 64 * 1024,
} as const;

export const HTTP_LIMITS = {
  urlLength: 2048,
  headers: 64,
  headerValueLength: 8192,
  bodyBytes: 64 * 1024,
  expectStatusEntries: 32,
  followRedirects: 10,
  maxResponseBytes: 16 * 1024 * 1024,
} as const;

/** A header name: an RFC 9110 token. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;

/** Headers the worker sets itself on every request: they name the run (docs/api.md). */
export const RUN_HEADERS = {
  job: 'X-Cronplane-Job',
  runId: 'X-Cronplane-Run-Id',
  tick: 'X-Cronplane-Tick',
  attempt: 'X-Cronplane-Attempt',
} as const;

/** Headers a job may not set: the transport owns them, or the worker does (RUN_HEADERS). */
export const RESERVED_HEADERS = new Set(
  [
    'host',
    'content-length',
    'transfer-encoding',
    'connection',
    'keep-alive',
    'upgrade',
    'te',
    'trailer',
    ...Object.values(RUN_HEADERS),
  ].map((name) => name.toLowerCase()),
);

export function isHttpExecutor(value: unknown): value is HttpExecutorSpec {
  return (
    typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'http'
  );
}

/** `GET https://example.com/x`: how lists and the console show an HTTP job instead of a command. */
export function httpSummary(executor: HttpExecutorSpec): string {
  return `${executor.method} ${executor.url}`;
}
