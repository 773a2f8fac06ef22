/** The one client of the master's REST API (/api/v1), with the types the console uses. */
import { currentNamespace } from './router';

export type Role = 'viewer' | 'operator' | 'admin';

export const RUN_STATUSES = [
  'running',
  'succeeded',
  'failed',
  'timeout',
  'killed',
  'lost',
  'skipped',
  'missed',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface Job {
  name: string;
  command: string;
  /** An HTTP job's request (command is empty then); absent: a shell job. */
  executor?: { type: 'http'; method: string; url: string; expectStatus?: string[] };
  cronExpr: string;
  cronDialect: 'standard' | 'gorhill';
  timezone: string;
  description: string;
  enabled: boolean;
  timeoutSeconds: number;
  concurrencyPolicy: 'allow' | 'forbid' | 'replace';
  misfirePolicy: string;
  catchupWindowSeconds: number;
  retries: { max: number; backoffSeconds: number; factor: number };
  target: { labels: Record<string, string>; mode: 'one' | 'all' };
  /** Values, or `{secretRef}`: a secret of the namespace (its value is never sent). */
  env: Record<string, string | { secretRef: string }>;
  alerts: { onFailure: boolean; onTimeout: boolean; webhookUrl?: string };
  /** The job's own labels (metadata). */
  labels?: Record<string, string>;
  /** `user` or `user:group` the command runs as; absent: the worker's user. */
  runAs?: string;
  /** Absolute path of the shell that runs `<shell> -c <command>`; absent: the worker's. */
  shell?: string;
  /** The command's standard input; absent: /dev/null. */
  stdin?: string;
  /** Who manages the job's definition (e.g. git:<repo>); the console shows it read-only. */
  managedBy?: string;
  /** Jobs of the namespace this one runs after. */
  after?: { job: string; on: DependencyOn }[];
  createdAt: string;
  updatedAt: string;
  revision: number;
}

/** What the editor sends: every writable field. */
export type JobInput = Omit<Job, 'cronDialect' | 'createdAt' | 'updatedAt' | 'revision'>;

export interface RunSummary {
  runId: string;
  status: RunStatus;
  trigger: string;
  tick: string;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  exitCode?: number;
  workerId?: string;
}

export type DependencyOn = 'succeeded' | 'failed' | 'completed';

/** A namespace's dependency graph (GET /dependencies): edges go from parent to child. */
export interface DependencyGraph {
  nodes: { job: string; exists: boolean }[];
  edges: { from: string; to: string; on: DependencyOn }[];
}

export interface JobDetail extends Job {
  nextFireTimes: string[];
  upstream?: { job: string; on: DependencyOn; exists: boolean }[];
  downstream?: { job: string; on: DependencyOn }[];
  danglingParents?: string[];
  /** Secrets the env names that do not exist: its runs fail until they are set. */
  danglingSecrets?: string[];
  lastRun: RunSummary | null;
}

export interface Run extends RunSummary {
  job: string;
  attempt: number;
  signal?: string;
  error?: string;
  output?: string;
  truncated?: boolean;
  latenessMs?: number;
  /** Trigger `dependency`: the parent job and run that started this one. */
  parentJob?: string;
  parentRunId?: string;
}

/** One version of a job (GET /jobs/{name}/versions): the definition right after a change. */
export interface JobVersion {
  version: number;
  action: string;
  at: string;
  tokenName: string;
  via: string;
  revision: number;
  fromVersion?: number;
  override?: string;
}

/** A field that differs from a version (`before`) to the current definition (`after`). */
export interface FieldChange {
  path: string;
  op: 'add' | 'remove' | 'replace';
  before?: unknown;
  after?: unknown;
}

export interface JobVersionDetail extends JobVersion {
  spec: Omit<Job, 'revision'>;
  current: Job | null;
  diff: FieldChange[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Worker {
  id: string;
  host: string;
  ip: string;
  pid: number;
  labels: Record<string, string>;
  capacity: number;
  version: string;
  startedAt: string;
  running: number;
  /** Not in the API yet; shown when a later version sends it. */
  lastHeartbeat?: string;
}

export interface Namespace {
  name: string;
  description: string;
  pool: Record<string, string>;
}

export interface Cluster {
  leader: { id: string; since: string } | null;
  masters: { id: string; host: string; pid: number; startedAt: string; leader: boolean }[];
  workers: { id: string; host: string; labels: Record<string, string> }[];
}

export interface CronPreview {
  expr: string;
  timezone: string;
  next: string[];
}

export interface FieldProblem {
  field: string;
  reason: string;
}

/** An answer other than 2xx, in the API's one error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: FieldProblem[] = [],
  ) {
    super(message);
  }

  /** The reason given for `field` (or a nested field under it, e.g. retries.max). */
  reasonFor(field: string): string | undefined {
    return this.details.find((d) => d.field === field || d.field.startsWith(`${field}.`))?.reason;
  }
}

const TOKEN_KEY = 'cronplane.token';
const ROLE_KEY = 'cronplane.role';

/** A token's rights: cluster-admin, or a role per namespace (GET /api/v1/whoami). */
export interface Access {
  clusterAdmin: boolean;
  grants: { namespace: string; role: Role }[];
}

export interface Session {
  /** The API token; empty for a single sign-on session (the HttpOnly cookie carries it). */
  token: string;
  access: Access;
  /** Signed in through the OpenID provider: requests go with the session cookie. */
  sso?: boolean;
  /** Who is signed in (SSO: `sso:<user>`). */
  name?: string;
}

const ROLES: Role[] = ['viewer', 'operator', 'admin'];

/** The role a session holds in a namespace; undefined: none (the API answers 404 there). */
export function roleIn(session: Session, namespace: string): Role | undefined {
  if (session.access.clusterAdmin) return 'admin';
  const held = session.access.grants.filter((g) => g.namespace === namespace).map((g) => g.role);
  return held.sort((a, b) => ROLES.indexOf(b) - ROLES.indexOf(a))[0];
}

export function loadSession(): Session | undefined {
  const token = sessionStorage.getItem(TOKEN_KEY);
  try {
    const stored = JSON.parse(sessionStorage.getItem(ROLE_KEY) ?? 'null') as
      (Access & { sso?: boolean; name?: string }) | null;
    if (!stored || !Array.isArray(stored.grants)) return undefined;
    const access = { clusterAdmin: stored.clusterAdmin, grants: stored.grants };
    if (stored.sso === true) return { token: '', access, sso: true, name: stored.name };
    return token ? { token, access } : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(TOKEN_KEY, session.token);
  const extra = session.sso ? { sso: true, name: session.name } : {};
  sessionStorage.setItem(ROLE_KEY, JSON.stringify({ ...session.access, ...extra }));
}

export function clearSession(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(ROLE_KEY);
}

/** Called on a 401 so the app can go back to the login page. */
let onUnauthorized: () => void = () => undefined;
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

const V1 = '/api/v1';

/** Job, run and audit paths of the namespace shown (other than `default`) go under /namespaces/<ns>. */
function scoped(path: string): string {
  const namespace = currentNamespace();
  return namespace !== 'default' && /^\/(jobs|runs|audit|dependencies)(\/|\?|$)/.test(path)
    ? `/namespaces/${namespace}${path}`
    : path;
}
const enc = encodeURIComponent;

interface RequestOptions {
  method?: string;
  body?: unknown;
  ifMatch?: number;
  /** This token instead of the session's; `''`: the SSO session cookie. */
  token?: string;
  signal?: AbortSignal;
}

/** The SSO session's CSRF token (a readable cookie), echoed in X-CSRF-Token on writes. */
function csrfToken(): string | undefined {
  const match = /(?:^|;\s*)cronplane_csrf=([^;]+)/.exec(document.cookie);
  return match ? decodeURIComponent(match[1]) : undefined;
}

function writeHeaders(method: string): Record<string, string> {
  const csrf = csrfToken();
  return method !== 'GET' && method !== 'HEAD' && csrf ? { 'x-csrf-token': csrf } : {};
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const token = options.token ?? loadSession()?.token;
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  else Object.assign(headers, writeHeaders(method));
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;
  let response: Response;
  try {
    response = await fetch(`${V1}${scoped(path)}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      // GET /jobs/{name} answers ETag = revision, yet its lastRun and next fire times change
      // without a new revision: a revalidated cached copy would show a stale last run.
      cache: 'no-store',
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'The master cannot be reached. Check your connection and try again.');
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const shape = (body ?? {}) as { message?: unknown; details?: unknown };
    const message =
      typeof shape.message === 'string'
        ? shape.message
        : `${response.status} ${response.statusText}`;
    const details = Array.isArray(shape.details) ? (shape.details as FieldProblem[]) : [];
    if (response.status === 401 && options.token === undefined) onUnauthorized();
    throw new ApiError(response.status, message, details);
  }
  return body as T;
}

export function query(
  params: Record<string, string | number | boolean | string[] | undefined>,
): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Whether the master offers single sign-on (GET /api/v1/sso/config). */
export async function ssoEnabled(): Promise<boolean> {
  try {
    return (await request<{ enabled?: boolean }>('/sso/config', { token: '' })).enabled === true;
  } catch {
    return false;
  }
}

/** Where the SSO button goes: the master's login route, back to `next` afterwards. */
export function ssoLoginUrl(next: string): string {
  return `${V1}/sso/login?returnTo=${encodeURIComponent(next)}`;
}

/** Ends the SSO session on the master (the cookie stops working). */
export async function ssoLogout(): Promise<void> {
  await request('/sso/logout', { method: 'POST', token: '' });
}

/** The SSO session of this browser, if one is signed in (its CSRF cookie is there). */
export async function detectSsoSession(): Promise<Session | undefined> {
  if (csrfToken() === undefined) return undefined;
  try {
    const me = await request<WhoAmI & { name: string }>('/whoami', { token: '' });
    return { token: '', access: accessOf(me), sso: true, name: me.name };
  } catch {
    return undefined;
  }
}

interface WhoAmI {
  clusterAdmin?: boolean;
  grants?: Access['grants'];
  role?: Role;
}

function accessOf(me: WhoAmI): Access {
  return {
    clusterAdmin: me.clusterAdmin === true,
    grants: me.grants ?? (me.role ? [{ namespace: 'default', role: me.role }] : []),
  };
}

/** The token's role, from the API (GET /api/v1/whoami); `''`: the SSO session cookie's. */
export async function detectAccess(token: string): Promise<Access> {
  return accessOf(await request<WhoAmI>('/whoami', { token }));
}

export interface JobFilter {
  prefix?: string;
  enabled?: boolean;
  labels?: string[];
  limit?: number;
  cursor?: string;
}

export const api = {
  listJobs: (filter: JobFilter, signal?: AbortSignal) =>
    request<Page<Job>>(
      `/jobs${query({ prefix: filter.prefix, enabled: filter.enabled, label: filter.labels, limit: filter.limit, cursor: filter.cursor })}`,
      { signal },
    ),
  getJob: (name: string, signal?: AbortSignal) =>
    request<JobDetail>(`/jobs/${enc(name)}`, { signal }),
  getDependencies: (signal?: AbortSignal) => request<DependencyGraph>(`/dependencies`, { signal }),
  createJob: (job: JobInput) => request<Job>('/jobs', { method: 'POST', body: job }),
  replaceJob: (name: string, job: Partial<JobInput>, revision: number) =>
    request<Job>(`/jobs/${enc(name)}`, { method: 'PUT', body: job, ifMatch: revision }),
  deleteJob: (name: string, revision?: number) =>
    request<void>(`/jobs/${enc(name)}`, { method: 'DELETE', ifMatch: revision }),
  pauseJob: (name: string) => request<Job>(`/jobs/${enc(name)}/pause`, { method: 'POST' }),
  resumeJob: (name: string) => request<Job>(`/jobs/${enc(name)}/resume`, { method: 'POST' }),
  runJob: (name: string) =>
    request<{ runId: string }>(`/jobs/${enc(name)}/run`, { method: 'POST' }),
  killJob: (name: string) =>
    request<{ job: string; runIds: string[] }>(`/jobs/${enc(name)}/kill`, { method: 'POST' }),
  listRuns: (
    name: string,
    filter: { status?: RunStatus[]; limit?: number; cursor?: string },
    signal?: AbortSignal,
  ) =>
    request<Page<Run>>(
      `/jobs/${enc(name)}/runs${query({ status: filter.status, limit: filter.limit, cursor: filter.cursor })}`,
      { signal },
    ),
  listVersions: (name: string, signal?: AbortSignal) =>
    request<Page<JobVersion>>(`/jobs/${enc(name)}/versions?limit=100`, { signal }),
  getVersion: (name: string, version: number, signal?: AbortSignal) =>
    request<JobVersionDetail>(`/jobs/${enc(name)}/versions/${version}`, { signal }),
  rollbackJob: (name: string, version: number, revision?: number) =>
    request<Job>(`/jobs/${enc(name)}/rollback`, {
      method: 'POST',
      body: { version },
      ifMatch: revision,
    }),
  getRun: (runId: string, signal?: AbortSignal) => request<Run>(`/runs/${enc(runId)}`, { signal }),
  killRun: (runId: string) =>
    request<{ runId: string }>(`/runs/${enc(runId)}/kill`, { method: 'POST' }),
  workers: (signal?: AbortSignal) => request<Worker[]>('/workers', { signal }),
  namespaces: (signal?: AbortSignal) => request<Namespace[]>('/namespaces', { signal }),
  cluster: (signal?: AbortSignal) => request<Cluster>('/cluster', { signal }),
  previewCron: (expr: string, timezone: string, dialect: string, signal?: AbortSignal) =>
    request<CronPreview>(`/cron/preview${query({ expr, timezone, dialect, count: 5 })}`, {
      signal,
    }),
};

export type StreamEvent =
  | { kind: 'output'; text: string; seq?: number }
  | { kind: 'status'; run: Partial<Run> }
  | { kind: 'end'; run?: Partial<Run> };

/**
 * Follows a run's live output from GET /runs/{runId}/stream (Server-Sent Events: numbered
 * `output` chunks, then one `end`). EventSource cannot send the bearer token, so this reads the
 * stream with fetch; `afterSeq` resumes after a chunk (Last-Event-ID). Resolves when the stream
 * closes; rejects (e.g. 404 on a master without the stream) so the caller can poll instead.
 */
export async function followRun(
  runId: string,
  onEvent: (event: StreamEvent) => void,
  signal: AbortSignal,
  afterSeq = 0,
): Promise<void> {
  const token = loadSession()?.token;
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  // An SSO session needs no header: the same-origin cookie goes along.
  if (token) headers.authorization = `Bearer ${token}`;
  if (afterSeq > 0) headers['last-event-id'] = String(afterSeq);
  const response = await fetch(`${V1}${scoped(`/runs/${enc(runId)}/stream`)}`, { headers, signal });
  if (!response.ok || !response.body) throw new ApiError(response.status, 'no live stream');
  if (!(response.headers.get('content-type') ?? '').includes('text/event-stream'))
    throw new ApiError(response.status, 'no live stream');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      const event = parseSseBlock(block);
      if (event) onEvent(event);
    }
  }
}

/** One SSE block as a stream event; data is JSON ({text}/{chunk}/{output}, or a run) or text. */
export function parseSseBlock(block: string): StreamEvent | undefined {
  let type = 'message';
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return type === 'end' || type === 'done' ? { kind: 'end' } : undefined;
  const raw = data.join('\n');
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // plain text data
  }
  const object =
    typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  if (type === 'end' || type === 'done' || type === 'exit' || type === 'final')
    return { kind: 'end', run: object as Partial<Run> | undefined };
  if (type === 'status' || type === 'run')
    return { kind: 'status', run: (object ?? {}) as Partial<Run> };
  if (object) {
    const text = object.data ?? object.text ?? object.chunk ?? object.output;
    const seq = typeof object.seq === 'number' ? object.seq : undefined;
    if (typeof text === 'string') return { kind: 'output', text, seq };
    if (typeof object.status === 'string') {
      return object.status === 'running'
        ? { kind: 'status', run: object as Partial<Run> }
        : { kind: 'end', run: object as Partial<Run> };
    }
    return undefined;
  }
  return { kind: 'output', text: typeof parsed === 'string' ? parsed + '\n' : raw };
}
