/**
 * Helpers for the master API's end-to-end tests: an HTTP client that keeps status, headers
 * and body, and direct etcd/MongoDB access for seeding and for proving etcd did not change.
 */
import { Etcd3 } from 'etcd3';
import { Db, MongoClient } from 'mongodb';
import { testStack } from '../support/env';

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string | null;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string is sent as is (set content-type yourself). */
  body?: unknown;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly defaultToken: string,
  ) {}

  withToken(token: string): ApiClient {
    return new ApiClient(this.baseUrl, token);
  }

  async request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<Reply<T>> {
    const token = options.token === undefined ? this.defaultToken : options.token;
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (typeof options.body === 'string') body = options.body;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  get<T = unknown>(path: string, options?: RequestOptions): Promise<Reply<T>> {
    return this.request<T>('GET', path, options);
  }

  post<T = unknown>(path: string, body?: unknown, options: RequestOptions = {}): Promise<Reply<T>> {
    return this.request<T>('POST', path, { ...options, body });
  }

  put<T = unknown>(path: string, body?: unknown, options: RequestOptions = {}): Promise<Reply<T>> {
    return this.request<T>('PUT', path, { ...options, body });
  }

  patch<T = unknown>(
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<Reply<T>> {
    return this.request<T>('PATCH', path, { ...options, body });
  }

  delete<T = unknown>(path: string, options?: RequestOptions): Promise<Reply<T>> {
    return this.request<T>('DELETE', path, options);
  }
}

export function etcdClient(): Etcd3 {
  return new Etcd3({ hosts: testStack().etcdEndpoints.split(',') });
}

/** Every key under `prefix` with its value and mod_revision: equal snapshots mean no write. */
export async function etcdSnapshot(etcd: Etcd3, prefix: string): Promise<Record<string, string>> {
  const response = await etcd.getAll().prefix(prefix).exec();
  return Object.fromEntries(
    response.kvs.map((kv) => [kv.key.toString(), `${kv.mod_revision}:${kv.value.toString()}`]),
  );
}

export async function mongoDb(id: string): Promise<{ client: MongoClient; db: Db }> {
  const client = new MongoClient(`${testStack().mongoUrl}/${id}`);
  await client.connect();
  return { client, db: client.db(id) };
}

/** The v1 error shape, for typing assertions. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details: { field: string; reason: string }[];
}

/** Polls `check` until it returns true (every 100 ms) or fails after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
