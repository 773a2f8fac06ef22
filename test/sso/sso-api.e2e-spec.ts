/**
 * SSO against a real OpenID provider (oidc-provider, a child process) and a real master: the
 * provider's access tokens on the API (group-to-role mapping, expiry, issuer, audience,
 * signature), the mapping's own route, and the bearer tokens that keep working beside them.
 */
import { randomBytes } from 'node:crypto';
import { newSigningKey, signJwt } from './oidc-test-provider';
import { AUDIENCE, MAPPING, SsoFixture, startSsoFixture } from './sso-fixture';

jest.setTimeout(180_000);

interface Answer {
  status: number;
  body: { message?: string; details?: { field: string; reason: string }[] } & Record<
    string,
    unknown
  >;
}

describe('SSO: provider access tokens on the API', () => {
  let sso: SsoFixture;

  beforeAll(async () => {
    sso = await startSsoFixture('ssoapi');
  });

  afterAll(async () => {
    await sso?.stop();
  });

  const used: string[] = [];
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    used.push(token);
    const response = await fetch(`${sso.app.baseUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} } as Answer;
  };
  const job = (name: string) => ({ name, command: 'true', cronExpr: '@daily' });

  it('maps groups to roles: a viewer reads, an admin writes in its namespace only, no group: nothing', async () => {
    const alice = sso.accessToken('alice');
    const me = await call(alice, 'GET', '/whoami');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      name: 'sso:alice',
      clusterAdmin: false,
      grants: [{ namespace: 'default', role: 'viewer' }],
    });
    expect((await call(alice, 'GET', '/jobs')).status).toBe(200);
    const write = await call(alice, 'POST', '/jobs', job('by-alice'));
    expect(write.status).toBe(403);
    expect(write.body.message).toContain('role viewer');
    expect((await call(alice, 'GET', '/namespaces/team-b/jobs')).status).toBe(404);

    const bob = sso.accessToken('bob');
    expect((await call(bob, 'POST', '/namespaces/team-b/jobs', job('by-bob'))).status).toBe(201);
    expect((await call(bob, 'POST', '/jobs', job('bob-in-default'))).status).toBe(404);
    expect((await call(bob, 'PUT', '/sso/group-grants', MAPPING)).status).toBe(403);

    const carol = sso.accessToken('carol');
    expect((await call(carol, 'GET', '/whoami')).status).toBe(403);
    expect((await call(carol, 'GET', '/jobs')).status).toBe(404);

    // The audit log names the SSO user.
    const audit = await call(sso.admin, 'GET', '/namespaces/team-b/audit');
    expect(JSON.stringify(audit.body)).toContain('sso:bob');
  });

  it('refuses an expired token, another issuer, another audience and a tampered one with 401', async () => {
    const expired = sso.accessToken('bob', {
      iat: Math.floor(Date.now() / 1000) - 7200,
      exp: Math.floor(Date.now() / 1000) - 3600,
    });
    const refusedExpired = await call(expired, 'GET', '/namespaces/team-b/jobs');
    expect(refusedExpired.status).toBe(401);
    expect(refusedExpired.body.message).toBe('token expired');

    const other = newSigningKey();
    const foreign = signJwt(
      {
        iss: 'http://127.0.0.1:9/another-issuer',
        aud: AUDIENCE,
        sub: 'bob',
        groups: ['team-b-admins'],
        exp: Math.floor(Date.now() / 1000) + 300,
      },
      other.privateKey,
      other.kid,
    );
    const wrongIssuerOurKey = sso.accessToken('bob', { iss: 'http://127.0.0.1:9/another-issuer' });
    const wrongAudience = sso.accessToken('bob', { aud: 'some-other-api' });
    const [head, , signature] = sso.accessToken('alice').split('.');
    const forged = Buffer.from(
      JSON.stringify({
        iss: sso.provider.issuer,
        aud: AUDIENCE,
        sub: 'alice',
        groups: ['team-b-admins'],
        exp: Math.floor(Date.now() / 1000) + 300,
      }),
    ).toString('base64url');
    const tampered = `${head}.${forged}.${signature}`;
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${forged}.`;
    for (const token of [foreign, wrongIssuerOurKey, wrongAudience, tampered, unsigned]) {
      const answer = await call(token, 'GET', '/namespaces/team-b/jobs');
      expect({ status: answer.status, message: answer.body.message }).toEqual({
        status: 401,
        message: 'invalid or revoked token',
      });
    }
  });

  it('keeps bearer tokens working beside SSO', async () => {
    const created = await call(sso.admin, 'POST', '/tokens', {
      name: `viewer-${randomBytes(3).toString('hex')}`,
      grants: [{ namespace: 'team-b', role: 'viewer' }],
    });
    expect(created.status).toBe(201);
    const token = String(created.body.token);
    expect((await call(token, 'GET', '/namespaces/team-b/jobs')).status).toBe(200);
    expect((await call(token, 'POST', '/namespaces/team-b/jobs', job('x'))).status).toBe(403);
  });

  it('lets only a cluster-admin read and replace the mapping, and names wrong fields', async () => {
    const read = await call(sso.admin, 'GET', '/sso/group-grants');
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      mappings: [
        {
          group: 'team-b-admins',
          grants: [{ namespace: 'team-b', role: 'admin' }],
          clusterAdmin: false,
        },
        {
          group: 'viewers',
          grants: [{ namespace: 'default', role: 'viewer' }],
          clusterAdmin: false,
        },
      ],
    });
    expect((await call(sso.accessToken('alice'), 'GET', '/sso/group-grants')).status).toBe(403);
    const bad = await call(sso.admin, 'PUT', '/sso/group-grants', {
      mappings: [
        { group: 'ops', grants: [{ namespace: 'default', role: 'owner' }] },
        { group: 'ops', grants: [{ namespace: 'Bad Name', role: 'viewer' }] },
        { group: 'none' },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details?.map((d) => d.field)).toEqual([
      'mappings[0].grants[0].role',
      'mappings[1].group',
      'mappings[1].grants[0].namespace',
      'mappings[2].grants',
    ]);
    expect((await call(sso.admin, 'PUT', '/sso/group-grants', 'x')).status).toBe(400);
    // Unchanged after the refusals.
    expect((await call(sso.admin, 'GET', '/sso/group-grants')).body).toEqual(read.body);

    // A change applies at once: carol's group becomes cluster-admin, then nothing again.
    const withCarol = {
      mappings: [...MAPPING.mappings, { group: 'elsewhere', clusterAdmin: true }],
    };
    expect((await call(sso.admin, 'PUT', '/sso/group-grants', withCarol)).status).toBe(200);
    const carol = sso.accessToken('carol');
    expect((await call(carol, 'GET', '/whoami')).body).toMatchObject({ clusterAdmin: true });
    expect((await call(sso.admin, 'PUT', '/sso/group-grants', MAPPING)).status).toBe(200);
    expect((await call(carol, 'GET', '/whoami')).status).toBe(403);
  });

  it('login redirects to the provider with PKCE; X-Forwarded-Proto is not trusted unless told', async () => {
    const login = await fetch(`${sso.app.baseUrl}/api/v1/sso/login?returnTo=/ns/team-b`, {
      redirect: 'manual',
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(login.status).toBe(302);
    const target = new URL(String(login.headers.get('location')));
    expect(target.origin).toBe(sso.provider.issuer);
    expect(target.searchParams.get('code_challenge_method')).toBe('S256');
    expect(target.searchParams.get('redirect_uri')).toBe(`${sso.app.baseUrl}/api/v1/sso/callback`);
    const cookie = String(login.headers.get('set-cookie'));
    expect(cookie).toMatch(/^cronplane_login=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).not.toContain('Secure');

    for (const returnTo of ['//evil.example/', 'https://evil.example/']) {
      const refused = await fetch(
        `${sso.app.baseUrl}/api/v1/sso/login?returnTo=${encodeURIComponent(returnTo)}`,
        { redirect: 'manual' },
      );
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { message: string }).message).toContain('returnTo');
    }
    // A callback without a login in progress starts nothing.
    const stray = await fetch(`${sso.app.baseUrl}/api/v1/sso/callback?code=x&state=y`, {
      redirect: 'manual',
    });
    expect(stray.status).toBe(400);
    expect(stray.headers.get('set-cookie')).toBeNull();
  });

  it('never writes the client secret or a token to its log', async () => {
    const output = sso.app.output();
    expect(output).not.toContain(sso.clientSecret);
    expect(used.length).toBeGreaterThan(20);
    for (const token of used) expect(output).not.toContain(token);
  });
});
