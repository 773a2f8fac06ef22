/**
 * Bad input, table-driven: every case must get the right 4xx, name the field and the reason,
 * and leave etcd exactly as it was (no partial writes).
 */
import { Etcd3 } from 'etcd3';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { ApiClient, ErrorBody, etcdClient, etcdSnapshot } from './api-client';

const ADMIN = 'e2e-admin-token-bad-input-0123456789';
const ID = isolationId('apibad');
const PREFIX = `/t/${ID}/`;

const JOB = { command: 'echo ok', cronExpr: '*/5 * * * *' };

interface BadCase {
  what: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** An object goes as JSON; a string goes raw as application/json. */
  body?: unknown;
  headers?: Record<string, string>;
  /** null: no Authorization header; a string: that bearer token; 'viewer'/'operator' as named. */
  as?: 'admin' | 'viewer' | 'operator' | 'none' | 'wrong' | 'basic';
  status: number;
  field?: string;
  reason?: RegExp;
}

const create = (body: unknown, what: string, field: string, reason: RegExp): BadCase => ({
  what,
  method: 'POST',
  path: '/api/v1/jobs',
  body,
  status: 400,
  field,
  reason,
});

const NAME_RULE = /must be 1-128 characters of \[A-Za-z0-9._-\]/;

const CASES: BadCase[] = [
  // Names: they become etcd keys.
  create({ ...JOB, name: 'a/b' }, 'name with a slash', 'name', NAME_RULE),
  create({ ...JOB, name: '..' }, 'name ..', 'name', NAME_RULE),
  create({ ...JOB, name: 'a..b' }, 'name containing ..', 'name', NAME_RULE),
  create({ ...JOB, name: '' }, 'empty name', 'name', NAME_RULE),
  create({ ...JOB, name: 'x'.repeat(129) }, 'name of 129 characters', 'name', NAME_RULE),
  create({ ...JOB, name: 'jöb' }, 'unicode name', 'name', NAME_RULE),
  create({ ...JOB, name: 'a b' }, 'name with a space', 'name', NAME_RULE),
  create({ ...JOB, name: 'bell\u0007' }, 'name with a control character', 'name', NAME_RULE),
  create({ ...JOB, name: '.hidden' }, 'name starting with a dot', 'name', NAME_RULE),
  create(JOB, 'missing name', 'name', NAME_RULE),
  create({ ...JOB, name: 42 }, 'name of the wrong type', 'name', NAME_RULE),
  // Schedules.
  create(
    { ...JOB, name: 'c1', cronExpr: '* * *' },
    'cron with 3 fields',
    'cronExpr',
    /expected 5 fields/,
  ),
  create(
    { ...JOB, name: 'c2', cronExpr: '61 * * * *' },
    'cron minute out of range',
    'cronExpr',
    /expected range 0-59/,
  ),
  create(
    { ...JOB, name: 'c3', cronExpr: '0 0 30 2 *' },
    'cron that never fires (30 February)',
    'cronExpr',
    /day of month/,
  ),
  create(
    { ...JOB, name: 'c4', cronExpr: '0 0 1 1 * 2031' },
    'cron with a year in the v1 dialect',
    'cronExpr',
    /expected range 0-7/,
  ),
  create({ ...JOB, name: 'c5', cronExpr: '@every 0s' }, '@every 0s', 'cronExpr', /at least 1s/),
  create(
    { ...JOB, name: 'c6', cronExpr: '@every soon' },
    '@every without a duration',
    'cronExpr',
    /needs a duration/,
  ),
  create(
    { ...JOB, name: 'c7', cronExpr: '@fortnightly' },
    'unknown macro',
    'cronExpr',
    /unknown macro/,
  ),
  create({ ...JOB, name: 'c8', cronExpr: '' }, 'empty expression', 'cronExpr', /empty/),
  create(
    { ...JOB, name: 'c9', cronExpr: 5 },
    'expression of the wrong type',
    'cronExpr',
    /must be a string/,
  ),
  create(
    { ...JOB, name: 'tz', timezone: 'Mars/Olympus_Mons' },
    'unknown time zone',
    'timezone',
    /IANA time zone/,
  ),
  // Commands and other fields.
  create(
    { ...JOB, name: 'big', command: 'x'.repeat(65 * 1024) },
    '65 KiB command',
    'command',
    /1 to 65536 bytes/,
  ),
  create({ ...JOB, name: 'empty', command: '' }, 'empty command', 'command', /1 to 65536 bytes/),
  // HTTP jobs: the executor's fields are named with their path.
  create(
    { name: 'nocmd', cronExpr: '@daily' },
    'shell job without a command',
    'command',
    /1 to 65536 bytes/,
  ),
  create(
    { name: 'h1', cronExpr: '@daily', executor: { type: 'http', url: 'ftp://x/' } },
    'http job with an ftp URL',
    'executor.url',
    /http or https/,
  ),
  create(
    { name: 'h2', cronExpr: '@daily', executor: { type: 'http', url: 'not a url' } },
    'http job with a relative URL',
    'executor.url',
    /absolute http\(s\) URL/,
  ),
  create(
    {
      name: 'h3',
      cronExpr: '@daily',
      executor: { type: 'http', method: 'FETCH', url: 'http://x/' },
    },
    'http job with an unknown method',
    'executor.method',
    /must be one of GET/,
  ),
  create(
    {
      name: 'h4',
      cronExpr: '@daily',
      executor: { type: 'http', url: 'http://x/', expectStatus: ['2xx', '700'] },
    },
    'http job with a bad expectStatus',
    'executor.expectStatus',
    /status codes \(204\), classes \(2xx\)/,
  ),
  create(
    {
      name: 'h5',
      cronExpr: '@daily',
      executor: { type: 'http', url: 'http://x/', maxResponseBytes: 17 * 1024 * 1024 },
    },
    'http job with maxResponseBytes over 16 MiB',
    'executor.maxResponseBytes',
    /integer from 0 to 16777216/,
  ),
  create(
    { ...JOB, name: 'h6', executor: { type: 'http', url: 'http://x/' } },
    'http job with a command',
    'command',
    /must be absent for an http executor/,
  ),
  create(
    { name: 'h7', cronExpr: '@daily', executor: { type: 'grpc', url: 'http://x/' } },
    'unknown executor type',
    'executor.type',
    /must be one of shell, http/,
  ),
  create({ ...JOB, name: 'w1', enabled: 'yes' }, 'enabled as a string', 'enabled', /boolean/),
  create(
    { ...JOB, name: 'w2', timeoutSeconds: -1 },
    'negative timeout',
    'timeoutSeconds',
    /integer from 0/,
  ),
  create(
    { ...JOB, name: 'w3', timeoutSeconds: '10' },
    'timeout as a string',
    'timeoutSeconds',
    /integer from 0/,
  ),
  create(
    { ...JOB, name: 'w4', concurrencyPolicy: 'sometimes' },
    'unknown concurrency policy',
    'concurrencyPolicy',
    /allow, forbid, replace/,
  ),
  create(
    { ...JOB, name: 'w5', retries: { max: 1000 } },
    'too many retries',
    'retries.max',
    /integer from 0 to 100/,
  ),
  create({ ...JOB, name: 'w6', retries: 5 }, 'retries not an object', 'retries', /object/),
  create({ ...JOB, name: 'w7', env: { '1BAD': 'x' } }, 'bad env name', 'env', /keys matching/),
  create(
    { ...JOB, name: 'w8', env: { GOOD: 1 } },
    'env value not a string',
    'env',
    /string values/,
  ),
  create(
    { ...JOB, name: 'w9', target: { mode: 'many' } },
    'unknown target mode',
    'target.mode',
    /one, all/,
  ),
  create(
    { ...JOB, name: 'w10', alerts: { webhookUrl: 'ftp://hooks' } },
    'webhook not http',
    'alerts.webhookUrl',
    /http\(s\) URL/,
  ),
  create({ ...JOB, name: 'u1', owner: 'me' }, 'unknown field', 'owner', /not allowed/),
  create(
    { ...JOB, name: 'u2', retries: { max: 1, jitter: true } },
    'unknown nested field',
    'retries.jitter',
    /not allowed/,
  ),
  create({ ...JOB, name: 'u3', revision: 5 }, 'read-only field', 'revision', /not allowed/),
  // Bodies.
  {
    what: 'malformed JSON',
    method: 'POST',
    path: '/api/v1/jobs',
    body: '{"name": "m", ',
    status: 400,
    field: 'body',
    reason: /not valid JSON/,
  },
  {
    what: 'JSON array body',
    method: 'POST',
    path: '/api/v1/jobs',
    body: '[]',
    status: 400,
    field: 'name',
    reason: NAME_RULE,
  },
  {
    what: 'body over 1 MiB',
    method: 'POST',
    path: '/api/v1/jobs',
    body: JSON.stringify({ ...JOB, name: 'huge', description: 'x'.repeat(1024 * 1024) }),
    status: 413,
  },
  // Replace, patch and delete of the seeded job.
  {
    what: 'PUT with a different body name',
    method: 'PUT',
    path: '/api/v1/jobs/seeded',
    body: { ...JOB, name: 'other' },
    status: 400,
    field: 'name',
    reason: /must equal the name in the path/,
  },
  {
    what: 'PUT with a stale If-Match',
    method: 'PUT',
    path: '/api/v1/jobs/seeded',
    body: JOB,
    headers: { 'if-match': '1' },
    status: 412,
    field: 'If-Match',
    reason: /stale/,
  },
  {
    what: 'PUT with a malformed If-Match',
    method: 'PUT',
    path: '/api/v1/jobs/seeded',
    body: JOB,
    headers: { 'if-match': 'yesterday' },
    status: 400,
    field: 'If-Match',
    reason: /revision/,
  },
  {
    what: 'PUT with an invalid cron',
    method: 'PUT',
    path: '/api/v1/jobs/seeded',
    body: { ...JOB, cronExpr: '* * * * * * * *' },
    status: 400,
    field: 'cronExpr',
    reason: /expected 5 fields/,
  },
  {
    what: 'PUT to a name with a slash',
    method: 'PUT',
    path: '/api/v1/jobs/a%2Fb',
    body: JOB,
    status: 400,
    field: 'name',
    reason: NAME_RULE,
  },
  {
    what: 'PATCH with an unknown field',
    method: 'PATCH',
    path: '/api/v1/jobs/seeded',
    body: { colour: 'red' },
    status: 400,
    field: 'colour',
    reason: /not allowed/,
  },
  {
    what: 'PATCH renaming the job',
    method: 'PATCH',
    path: '/api/v1/jobs/seeded',
    body: { name: 'renamed' },
    status: 400,
    field: 'name',
    reason: /not allowed/,
  },
  {
    what: 'PATCH with a bad zone for the stored cron',
    method: 'PATCH',
    path: '/api/v1/jobs/seeded',
    body: { timezone: 'Atlantis/Capital' },
    status: 400,
    field: 'timezone',
    reason: /IANA/,
  },
  {
    what: 'PATCH with a stale If-Match',
    method: 'PATCH',
    path: '/api/v1/jobs/seeded',
    body: { description: 'x' },
    headers: { 'if-match': '2' },
    status: 412,
    field: 'If-Match',
    reason: /stale/,
  },
  {
    what: 'DELETE with a stale If-Match',
    method: 'DELETE',
    path: '/api/v1/jobs/seeded',
    headers: { 'if-match': '3' },
    status: 412,
    field: 'If-Match',
    reason: /stale/,
  },
  {
    what: 'DELETE of a name containing ..',
    method: 'DELETE',
    path: '/api/v1/jobs/a..b',
    status: 400,
    field: 'name',
    reason: NAME_RULE,
  },
  // Tokens and roles.
  {
    what: 'no token',
    method: 'POST',
    path: '/api/v1/jobs',
    body: { ...JOB, name: 'anon' },
    as: 'none',
    status: 401,
  },
  {
    what: 'wrong token',
    method: 'POST',
    path: '/api/v1/jobs',
    body: { ...JOB, name: 'anon' },
    as: 'wrong',
    status: 401,
  },
  {
    what: 'basic auth instead of bearer',
    method: 'DELETE',
    path: '/api/v1/jobs/seeded',
    as: 'basic',
    status: 401,
  },
  { what: 'no token on a read', method: 'GET', path: '/api/v1/jobs', as: 'none', status: 401 },
  {
    what: 'viewer creating a job',
    method: 'POST',
    path: '/api/v1/jobs',
    body: { ...JOB, name: 'v' },
    as: 'viewer',
    status: 403,
  },
  {
    what: 'viewer deleting a job',
    method: 'DELETE',
    path: '/api/v1/jobs/seeded',
    as: 'viewer',
    status: 403,
  },
  {
    what: 'viewer pausing a job',
    method: 'POST',
    path: '/api/v1/jobs/seeded/pause',
    as: 'viewer',
    status: 403,
  },
  {
    what: 'viewer killing a job',
    method: 'POST',
    path: '/api/v1/jobs/seeded/kill',
    as: 'viewer',
    status: 403,
  },
  {
    what: 'operator patching a job',
    method: 'PATCH',
    path: '/api/v1/jobs/seeded',
    body: { description: 'x' },
    as: 'operator',
    status: 403,
  },
  {
    what: 'operator creating a token',
    method: 'POST',
    path: '/api/v1/tokens',
    body: { name: 'sneaky', role: 'admin' },
    as: 'operator',
    status: 403,
  },
  {
    what: 'token with an unknown role',
    method: 'POST',
    path: '/api/v1/tokens',
    body: { name: 'god', role: 'god' },
    status: 400,
    field: 'role',
    reason: /viewer, operator, admin/,
  },
  {
    what: 'revoking a malformed token id',
    method: 'DELETE',
    path: '/api/v1/tokens/zzz',
    status: 400,
    field: 'id',
    reason: /16 hex digits/,
  },
  // Queries.
  {
    what: 'limit 0',
    method: 'GET',
    path: '/api/v1/jobs?limit=0',
    status: 400,
    field: 'limit',
    reason: /integer from 1 to 500/,
  },
  {
    what: 'limit not a number',
    method: 'GET',
    path: '/api/v1/jobs?limit=ten',
    status: 400,
    field: 'limit',
    reason: /integer from 1 to 500/,
  },
  {
    what: 'forged cursor',
    method: 'GET',
    path: '/api/v1/jobs?cursor=bm9wZQ',
    status: 400,
    field: 'cursor',
    reason: /not a cursor/,
  },
  {
    what: 'enabled=maybe',
    method: 'GET',
    path: '/api/v1/jobs?enabled=maybe',
    status: 400,
    field: 'enabled',
    reason: /true or false/,
  },
  {
    what: 'unknown query parameter',
    method: 'GET',
    path: '/api/v1/jobs?sort=desc',
    status: 400,
    field: 'sort',
    reason: /not allowed/,
  },
  {
    what: 'GET of a name with a slash',
    method: 'GET',
    path: '/api/v1/jobs/a%2Fb',
    status: 400,
    field: 'name',
    reason: NAME_RULE,
  },
  {
    what: 'runs with an unknown status',
    method: 'GET',
    path: '/api/v1/jobs/seeded/runs?status=exploded',
    status: 400,
    field: 'status',
    reason: /must be among/,
  },
  {
    what: 'runs from a non-time',
    method: 'GET',
    path: '/api/v1/jobs/seeded/runs?from=yesterday',
    status: 400,
    field: 'from',
    reason: /ISO 8601/,
  },
  {
    what: 'preview of a malformed expression',
    method: 'GET',
    path: '/api/v1/cron/preview?expr=nope',
    status: 400,
    field: 'expr',
    reason: /expected 5 fields/,
  },
  {
    what: 'preview in an unknown zone',
    method: 'GET',
    path: '/api/v1/cron/preview?expr=@daily&timezone=Nowhere',
    status: 400,
    field: 'timezone',
    reason: /IANA/,
  },
  {
    what: 'preview count 1000',
    method: 'GET',
    path: '/api/v1/cron/preview?expr=@daily&count=1000',
    status: 400,
    field: 'count',
    reason: /integer from 1 to 100/,
  },
  {
    what: 'run id with a slash',
    method: 'GET',
    path: '/api/v1/runs/a%2Fb',
    status: 400,
    field: 'runId',
    reason: /run id/,
  },
];

describe('bad input is refused with the right 4xx, field and reason, and etcd stays unchanged', () => {
  let app: AppProcess;
  let etcd: Etcd3;
  const tokens: Record<string, string | null> = {
    admin: ADMIN,
    none: null,
    wrong: 'not-a-real-token-000000',
  };

  beforeAll(async () => {
    app = await startApp(appEnv(ID, { ROLE: 'master', CRON_ADMIN_TOKEN: ADMIN }));
    etcd = etcdClient();
    const api = new ApiClient(app.baseUrl, ADMIN);
    for (const role of ['viewer', 'operator']) {
      const created = await api.post<{ token: string }>('/api/v1/tokens', {
        name: `${role}-bad`,
        role,
      });
      tokens[role] = created.body.token;
    }
    expect((await api.put('/api/v1/jobs/seeded', JOB)).status).toBe(201);
  });

  afterAll(async () => {
    await app?.stop();
    etcd?.close();
  });

  it('has at least 30 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES.map((c) => [c.what, c] as const))('%s', async (_what, bad) => {
    const before = await etcdSnapshot(etcd, PREFIX);
    const client = new ApiClient(app.baseUrl, ADMIN);
    const headers = { ...(bad.headers ?? {}) };
    let token: string | null = tokens[bad.as ?? 'admin'] ?? null;
    if (bad.as === 'basic') {
      token = null;
      headers.authorization = `Basic ${Buffer.from(`admin:${ADMIN}`).toString('base64')}`;
    }
    if (typeof bad.body === 'string') headers['content-type'] = 'application/json';
    const reply = await client.request<ErrorBody>(bad.method, bad.path, {
      body: bad.body,
      headers,
      token,
    });
    expect({ status: reply.status, body: reply.body }).toMatchObject({
      status: bad.status,
      body: {
        statusCode: bad.status,
        error: expect.any(String),
        message: expect.any(String),
        details: expect.any(Array),
      },
    });
    if (bad.field !== undefined) {
      expect(reply.body.details).toContainEqual({
        field: bad.field,
        reason: expect.stringMatching(bad.reason ?? /./),
      });
    }
    if (bad.status === 401) expect(reply.headers.get('www-authenticate')).toBe('Bearer');
    expect(await etcdSnapshot(etcd, PREFIX)).toEqual(before);
  });
});
