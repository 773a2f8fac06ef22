/**
 * Tokens with grants against a real master: create, expire, revoke, last use, tokens stored by
 * the release before namespaces, no privilege escalation, and the route x role x namespace
 * matrix over every route of the app (discovered from its OpenAPI document plus the compat
 * routes, so a new route fails here until it has a row).
 */
import { randomBytes } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { PUBLIC_PATHS, SSO_PUBLIC_PATHS } from '../../src/auth/auth.guard';
import { ApiClient, ErrorBody, etcdClient, etcdSnapshot, eventually } from '../api/api-client';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { COMPAT_ROUTES, Route, routesOf, send } from './security-client';

const ADMIN = `tok-admin-${randomBytes(12).toString('hex')}`;
const ID = isolationId('tokens');
const PREFIX = `/t/${ID}/`;
const ROLES = ['viewer', 'operator', 'admin'] as const;
type Role = (typeof ROLES)[number];
const NAMESPACES = ['default', 'team-b'] as const;

interface TokenBody {
  id: string;
  name: string;
  role?: string;
  token: string;
  grants: { namespace: string; role: string }[];
  clusterAdmin: boolean;
  expiresAt: string | null;
  expired: boolean;
  lastUsedAt: string | null;
}

/** ns: about one namespace; cluster: any grant of the role; delegated: admin anywhere. */
type Scope = 'ns' | 'cluster' | 'delegated';
/** Every route without a namespace parameter: [least role, scope]. */
const TABLE: Record<string, [Role, Scope]> = {
  'POST /api/v1/jobs': ['admin', 'ns'],
  'GET /api/v1/jobs': ['viewer', 'ns'],
  'POST /api/v1/jobs/validate': ['admin', 'ns'],
  'GET /api/v1/jobs/{name}': ['viewer', 'ns'],
  'PUT /api/v1/jobs/{name}': ['admin', 'ns'],
  'PATCH /api/v1/jobs/{name}': ['admin', 'ns'],
  'DELETE /api/v1/jobs/{name}': ['admin', 'ns'],
  'POST /api/v1/jobs/{name}/pause': ['operator', 'ns'],
  'POST /api/v1/jobs/{name}/resume': ['operator', 'ns'],
  'POST /api/v1/jobs/{name}/run': ['operator', 'ns'],
  'POST /api/v1/jobs/{name}/kill': ['operator', 'ns'],
  'GET /api/v1/jobs/{name}/runs': ['viewer', 'ns'],
  'GET /api/v1/runs/{runId}': ['viewer', 'ns'],
  'POST /api/v1/runs/{runId}/kill': ['operator', 'ns'],
  'GET /api/v1/runs/{runId}/stream': ['viewer', 'ns'],
  'GET /api/v1/alerts': ['viewer', 'ns'],
  'GET /api/v1/audit': ['viewer', 'ns'],
  'GET /api/v1/workers': ['viewer', 'cluster'],
  'GET /api/v1/cluster': ['viewer', 'cluster'],
  'GET /api/v1/cron/preview': ['viewer', 'cluster'],
  'GET /api/v1/whoami': ['viewer', 'cluster'],
  // Single sign-on: the mapping of the provider's groups to grants.
  'GET /api/v1/sso/group-grants': ['admin', 'cluster'],
  'PUT /api/v1/sso/group-grants': ['admin', 'cluster'],
  'POST /api/v1/tokens': ['admin', 'delegated'],
  'GET /api/v1/tokens': ['admin', 'delegated'],
  'DELETE /api/v1/tokens/{id}': ['admin', 'delegated'],
  'POST /job/save': ['admin', 'ns'],
  'POST /job/delete': ['admin', 'ns'],
  'GET /job/list': ['viewer', 'ns'],
  'POST /job/kill': ['operator', 'ns'],
  'GET /job/log': ['viewer', 'ns'],
  'GET /worker/list': ['viewer', 'cluster'],
  // The namespaces' own routes: their settings (pool, run-as users) are the cluster-admin's.
  'GET /api/v1/namespaces': ['viewer', 'cluster'],
  'POST /api/v1/namespaces': ['admin', 'cluster'],
  'GET /api/v1/namespaces/{ns}': ['viewer', 'ns'],
  'PATCH /api/v1/namespaces/{ns}': ['admin', 'cluster'],
  'DELETE /api/v1/namespaces/{ns}': ['admin', 'cluster'],
  // A job's version history and rollback.
  'GET /api/v1/jobs/{name}/versions': ['viewer', 'ns'],
  'GET /api/v1/jobs/{name}/versions/{version}': ['viewer', 'ns'],
  'POST /api/v1/jobs/{name}/rollback': ['admin', 'ns'],
  // Secrets (under /api/v1/namespaces/{ns}/secrets), and the key rotation of all of them.
  'GET /api/v1/secrets': ['viewer', 'ns'],
  'PUT /api/v1/secrets/{name}': ['admin', 'ns'],
  'DELETE /api/v1/secrets/{name}': ['admin', 'ns'],
  'POST /api/v1/secrets/rotate-key': ['admin', 'cluster'],
  // The dependency graph of a namespace's jobs.
  'GET /api/v1/dependencies': ['viewer', 'ns'],
  // Backfills: started and cancelled by operators, read by viewers.
  'POST /api/v1/jobs/{name}/backfill': ['operator', 'ns'],
  'GET /api/v1/backfills': ['viewer', 'ns'],
  'GET /api/v1/backfills/{id}': ['viewer', 'ns'],
  'DELETE /api/v1/backfills/{id}': ['operator', 'ns'],
  'POST /api/v1/backfills/{id}/cancel': ['operator', 'ns'],
};
const NAMESPACED = /^\/api\/v1\/namespaces\/\{ns\}(\/.+)$/;

type Outcome = 'pass' | 403 | 404;

interface Caller {
  label: string;
  token: string;
  clusterAdmin: boolean;
  namespace?: string;
  role?: Role;
}

/** Written out by hand, not through src/auth/access.ts, so the test does not grade itself. */
function expected(caller: Caller, ns: string | undefined, least: Role, scope: Scope): Outcome {
  if (caller.clusterAdmin) return 'pass';
  const held = ROLES.indexOf(caller.role ?? 'viewer');
  if (scope === 'ns') {
    if (caller.namespace !== ns) return 404;
    return held >= ROLES.indexOf(least) ? 'pass' : 403;
  }
  if (scope === 'delegated') return caller.role === 'admin' ? 'pass' : 403;
  if (least === 'admin') return 403;
  return held >= ROLES.indexOf(least) ? 'pass' : 403;
}

describe('tokens with grants', () => {
  let app: AppProcess;
  let api: ApiClient;
  let etcd: Etcd3;
  const callers: Caller[] = [];

  beforeAll(async () => {
    app = await startApp(appEnv(ID, { ROLE: 'master', CRON_ADMIN_TOKEN: ADMIN }));
    api = new ApiClient(app.baseUrl, ADMIN);
    etcd = etcdClient();
    callers.push({ label: 'cluster-admin', token: ADMIN, clusterAdmin: true });
    // Namespaces other than default must exist for their routes to answer anything but 404.
    for (const namespace of NAMESPACES.filter((ns) => ns !== 'default'))
      expect((await api.post('/api/v1/namespaces', { name: namespace })).status).toBe(201);
    for (const namespace of NAMESPACES)
      for (const role of ROLES) {
        const created = await api.post<TokenBody>('/api/v1/tokens', {
          name: `${namespace}-${role}`,
          grants: [{ namespace, role }],
        });
        expect(created.status).toBe(201);
        callers.push({
          label: `${role} in ${namespace}`,
          token: created.body.token,
          clusterAdmin: false,
          namespace,
          role,
        });
      }
  });

  afterAll(async () => {
    await app?.stop();
    etcd?.close();
  });

  it('creates with grants and expiresAt, shows the secret once, lists last use, revokes', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const created = await api.post<TokenBody>('/api/v1/tokens', {
      name: 'life',
      grants: [{ namespace: 'team-b', role: 'operator' }],
      expiresAt,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'life',
      grants: [{ namespace: 'team-b', role: 'operator' }],
      clusterAdmin: false,
      expiresAt,
      expired: false,
      lastUsedAt: null,
    });
    expect(created.body).not.toHaveProperty('role');
    const life = api.withToken(created.body.token);
    const me = await life.get('/api/v1/whoami');
    expect(me.body).toEqual({
      name: 'life',
      clusterAdmin: false,
      grants: [{ namespace: 'team-b', role: 'operator' }],
    });
    await eventually(async () => {
      const list = await api.get<TokenBody[]>('/api/v1/tokens');
      return list.body.find((t) => t.name === 'life')?.lastUsedAt !== null;
    });
    const list = await api.get<TokenBody[]>('/api/v1/tokens');
    expect(list.text).not.toContain(created.body.token);
    expect((await api.delete(`/api/v1/tokens/${created.body.id}`)).status).toBe(200);
    expect(await life.get<ErrorBody>('/api/v1/whoami')).toMatchObject({
      status: 401,
      body: { message: 'invalid or revoked token' },
    });
  });

  it('refuses an expired token with 401 "token expired" and lists it as expired', async () => {
    const created = await api.post<TokenBody>('/api/v1/tokens', {
      name: 'short',
      role: 'viewer',
      expiresAt: new Date(Date.now() + 1500).toISOString(),
    });
    expect(created.status).toBe(201);
    const short = api.withToken(created.body.token);
    expect((await short.get('/api/v1/jobs')).status).toBe(200);
    await eventually(async () => (await short.get('/api/v1/jobs')).status === 401);
    const refused = await short.get<ErrorBody>('/api/v1/jobs');
    expect(refused.body.message).toBe('token expired');
    const listed = (await api.get<TokenBody[]>('/api/v1/tokens')).body.find(
      (t) => t.name === 'short',
    );
    expect(listed).toMatchObject({ expired: true, role: 'viewer' });
  });

  it('reads tokens stored before namespaces: admin is cluster-admin, operator a grant on default', async () => {
    const secrets = { admin: `old-admin-${ID}`, operator: `old-operator-${ID}` };
    const { createHash } = await import('node:crypto');
    for (const [role, secret] of Object.entries(secrets)) {
      const hash = createHash('sha256').update(secret).digest('hex');
      await etcd.put(`${PREFIX}tokens/${hash}`).value(
        JSON.stringify({
          id: hash.slice(0, 16),
          name: `old-${role}`,
          role,
          hash,
          createdAt: '2026-01-01T00:00:00.000Z',
          createdBy: 'old release',
        }),
      );
    }
    const oldAdmin = await api.withToken(secrets.admin).get('/api/v1/whoami');
    expect(oldAdmin.body).toEqual({
      name: 'old-admin',
      role: 'admin',
      clusterAdmin: true,
      grants: [],
    });
    const oldOperator = api.withToken(secrets.operator);
    expect((await oldOperator.get('/api/v1/whoami')).body).toEqual({
      name: 'old-operator',
      role: 'operator',
      clusterAdmin: false,
      grants: [{ namespace: 'default', role: 'operator' }],
    });
    expect((await oldOperator.get('/api/v1/jobs')).status).toBe(200);
    expect((await oldOperator.get('/api/v1/tokens')).status).toBe(403);
  });

  it('a namespace admin cannot escalate: no grants elsewhere, no cluster-admin, sees only its tokens', async () => {
    const teamB = api.withToken(callers.find((c) => c.label === 'admin in team-b')!.token);
    const before = await etcdSnapshot(etcd, `${PREFIX}tokens/`);
    for (const body of [
      { name: 'esc-1', grants: [{ namespace: 'default', role: 'viewer' }] },
      { name: 'esc-2', clusterAdmin: true },
      { name: 'esc-3', role: 'viewer' },
    ]) {
      const refused = await teamB.post<ErrorBody>('/api/v1/tokens', body);
      expect({ body, status: refused.status }).toEqual({ body, status: 403 });
    }
    expect(await etcdSnapshot(etcd, `${PREFIX}tokens/`)).toEqual(before);
    const own = await teamB.post<TokenBody>('/api/v1/tokens', {
      name: 'team-b-ci',
      grants: [{ namespace: 'team-b', role: 'operator' }],
    });
    expect(own.status).toBe(201);
    const listed = (await teamB.get<TokenBody[]>('/api/v1/tokens')).body.map((t) => t.name);
    expect(listed.sort()).toEqual([
      'team-b-admin',
      'team-b-ci',
      'team-b-operator',
      'team-b-viewer',
    ]);
    const adminId = (await api.get<TokenBody[]>('/api/v1/tokens')).body.find(
      (t) => t.name === 'bootstrap-admin',
    )!.id;
    expect((await teamB.delete(`/api/v1/tokens/${adminId}`)).status).toBe(404);
    expect((await teamB.delete(`/api/v1/tokens/${own.body.id}`)).status).toBe(200);
  });

  it.each([
    [
      { name: 'b1', grants: [{ namespace: 'Team_B', role: 'viewer' }] },
      'grants.0.namespace',
      /namespace name/,
    ],
    [
      { name: 'b2', grants: [{ namespace: 'team-b', role: 'god' }] },
      'grants.0.role',
      /viewer, operator, admin/,
    ],
    [{ name: 'b3', grants: [] }, 'grants', /at least one grant/],
    [{ name: 'b4' }, 'grants', /is required/],
    [
      { name: 'b5', role: 'viewer', expiresAt: '2020-01-01T00:00:00Z' },
      'expiresAt',
      /in the future/,
    ],
    [{ name: 'b6', role: 'viewer', expiresAt: 'tomorrow' }, 'expiresAt', /ISO 8601/],
    [
      { name: 'b7', role: 'viewer', grants: [{ namespace: 'a', role: 'viewer' }] },
      'grants',
      /not grants and role/,
    ],
    [
      {
        name: 'b8',
        grants: [
          { namespace: 'a', role: 'viewer' },
          { namespace: 'a', role: 'admin' },
        ],
      },
      'grants.1.namespace',
      /granted twice/,
    ],
  ])('refuses %j naming %s', async (body, field, reason) => {
    const reply = await api.post<ErrorBody>('/api/v1/tokens', body);
    expect(reply.status).toBe(400);
    expect(reply.body.details).toContainEqual({ field, reason: expect.stringMatching(reason) });
  });

  it('every route x role x namespace: 404 without a grant, 403 below the role, else through the guard', async () => {
    const document = await send(app.baseUrl, '/docs-json');
    const routes: Route[] = [
      ...routesOf(JSON.parse(document.body) as Parameters<typeof routesOf>[0]),
      ...COMPAT_ROUTES,
    ].filter((r) => !PUBLIC_PATHS.has(r.template) && !SSO_PUBLIC_PATHS.has(r.template));
    expect(routes.length).toBeGreaterThan(25);
    const failures: string[] = [];
    for (const route of routes) {
      const namespaced = NAMESPACED.exec(route.template);
      const key = `${route.method} ${namespaced ? `/api/v1${namespaced[1]}` : route.template}`;
      const row = TABLE[key];
      if (!row) {
        failures.push(`${route.method} ${route.template}: no row in TABLE; add one`);
        continue;
      }
      const [least, scope] = row;
      const hasNs = route.template.includes('{ns}');
      const namespaces: (string | undefined)[] = hasNs
        ? [...NAMESPACES]
        : [scope === 'ns' ? 'default' : undefined];
      for (const ns of namespaces) {
        const path = route.template
          .replace('{ns}', ns ?? 'default')
          .replace(/\{[^}]+\}/g, 'sample-1')
          .replace(/^\/job\/log$/, '/job/log?name=sample-1');
        for (const caller of callers) {
          const want = expected(caller, ns, least, hasNs ? scope : scope);
          const before = want === 'pass' ? undefined : await etcdSnapshot(etcd, PREFIX);
          let answer;
          try {
            answer = await send(app.baseUrl, path, {
              method: route.method,
              headers: { authorization: `Bearer ${caller.token}` },
              body: route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}',
            });
          } catch (error) {
            // A live stream (SSE) that the guard let through stays open until send gives up.
            if (want === 'pass' && path.endsWith('/stream')) continue;
            throw error;
          }
          const compat = /^\/(job|worker)\//.test(path);
          let message = '';
          try {
            const parsed = JSON.parse(answer.body) as { message?: string; msg?: string };
            message = parsed.message ?? parsed.msg ?? '';
          } catch {
            // SSE or empty bodies
          }
          const hidden = `namespace "${ns}" not found`;
          const got: Outcome | number =
            message === hidden && (answer.status === 404 || compat)
              ? 404
              : answer.status === 403
                ? 403
                : answer.status === 401 || answer.status >= 500
                  ? answer.status
                  : 'pass';
          if (got !== want)
            failures.push(
              `${route.method} ${path} as ${caller.label}: want ${want}, got ${answer.status} ${answer.body.slice(0, 120)}`,
            );
          if (before && JSON.stringify(await etcdSnapshot(etcd, PREFIX)) !== JSON.stringify(before))
            failures.push(`${route.method} ${path} as ${caller.label}: denied, yet etcd changed`);
          // A DELETE of the namespace that got through: the routes after it need it back.
          if (ns && ns !== 'default' && got === 'pass' && route.method === 'DELETE')
            await api.post('/api/v1/namespaces', { name: ns });
        }
      }
    }
    expect(failures).toEqual([]);
  }, 600_000);
});
