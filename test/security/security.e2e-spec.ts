import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { PUBLIC_PATHS, SSO_PUBLIC_PATHS } from '../../src/auth/auth.guard';
import { isValidJobName } from '../../src/jobs/job.model';
import { etcdSpec, RunningService, startService } from '../../tools/stack/services';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId, testStack } from '../support/env';
import { bearer, COMPAT_ROUTES, RawAnswer, Route, routesOf, send } from './security-client';

const ADMIN = `sec-admin-${randomBytes(12).toString('hex')}`;

/**
 * Security of the master: authentication on every route, roles, secrets kept out of logs, CORS,
 * helmet, job names that try to leave the etcd prefix, and the auth failure rate limit. The master
 * runs on a private etcd so the whole keyspace can be inspected.
 */
describe('security', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cronplane-security-'));
  const id = isolationId('security');
  const prefix = `/t/${id}/`;
  let etcdService: RunningService;
  let etcd: Etcd3;
  let master: AppProcess;
  let limited: AppProcess;
  let routes: Route[];
  const secrets: string[] = [ADMIN];

  beforeAll(async () => {
    etcdService = await startService(await etcdSpec(testStack().binaries.etcd, join(dir, 'etcd')));
    etcd = new Etcd3({ hosts: etcdService.spec.url });
    const env = (extra: Record<string, string> = {}): Record<string, string> =>
      appEnv(id, {
        ROLE: 'master',
        ETCD_ENDPOINTS: etcdService.spec.url,
        CRON_ADMIN_TOKEN: ADMIN,
        LOG_LEVEL: 'debug',
        ...extra,
      });
    [master, limited] = await Promise.all([
      startApp(env()),
      startApp(env({ AUTH_FAILURE_LIMIT: '5', AUTH_FAILURE_WINDOW_SECONDS: '3' })),
    ]);
    const document = await send(master.baseUrl, '/docs-json');
    expect(document.status).toBe(200);
    routes = [
      ...routesOf(JSON.parse(document.body) as Parameters<typeof routesOf>[0]),
      ...COMPAT_ROUTES,
    ];
  });

  afterAll(async () => {
    await Promise.all([master?.stop(), limited?.stop()]);
    etcd?.close();
    await etcdService?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const guarded = (): Route[] =>
    routes.filter((r) => !PUBLIC_PATHS.has(r.template) && !SSO_PUBLIC_PATHS.has(r.template));

  it('the OpenAPI document lists the API (the table below is not empty)', () => {
    expect(guarded().length).toBeGreaterThan(20);
    expect(
      guarded().some((r) => r.template === '/api/v1/jobs/{name}' && r.method === 'DELETE'),
    ).toBe(true);
  });

  it('every documented route (and every compat route) answers 401 without a token, and with a malformed header', async () => {
    const failures: string[] = [];
    for (const route of guarded()) {
      for (const headers of [
        {},
        { authorization: 'Basic YWRtaW46YWRtaW4=' },
        { authorization: 'Bearer' },
      ] as Record<string, string>[]) {
        const answer = await send(master.baseUrl, route.path, {
          method: route.method,
          headers,
          body: route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}',
        });
        if (answer.status !== 401)
          failures.push(
            `${route.method} ${route.path} ${JSON.stringify(headers)} -> ${answer.status}`,
          );
        else if (answer.headers['www-authenticate'] !== 'Bearer')
          failures.push(`${route.method} ${route.path}: no WWW-Authenticate`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('a viewer token changes nothing: every non-GET route answers 403 and etcd is unchanged', async () => {
    const created = await send(master.baseUrl, '/api/v1/tokens', {
      method: 'POST',
      headers: bearer(ADMIN),
      body: JSON.stringify({ name: 'sec-viewer', role: 'viewer' }),
    });
    expect(created.status).toBe(201);
    const viewer = (JSON.parse(created.body) as { token: string }).token;
    secrets.push(viewer);
    // A job to aim at, so a 403 is not a 404 in disguise.
    const job = await send(master.baseUrl, '/api/v1/jobs/sample-1', {
      method: 'PUT',
      headers: bearer(ADMIN),
      body: JSON.stringify({ command: 'true', cronExpr: '@every 1h', enabled: false }),
    });
    expect(job.status).toBe(201);
    const before = await etcd.getAll().prefix(prefix).strings();
    const failures: string[] = [];
    const writes = guarded().filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
    expect(writes.length).toBeGreaterThan(10);
    for (const route of writes) {
      const answer = await send(master.baseUrl, route.path, {
        method: route.method,
        headers: bearer(viewer),
        body:
          route.method === 'DELETE'
            ? undefined
            : JSON.stringify({
                name: 'sample-1',
                command: 'rm -rf /',
                cronExpr: '* * * * *',
                role: 'admin',
              }),
      });
      if (answer.status !== 403)
        failures.push(`${route.method} ${route.path} -> ${answer.status} ${answer.body}`);
    }
    expect(failures).toEqual([]);
    // Reads still work for a viewer.
    expect((await send(master.baseUrl, '/api/v1/jobs', { headers: bearer(viewer) })).status).toBe(
      200,
    );
    expect(await etcd.getAll().prefix(prefix).strings()).toEqual(before);
  });

  it('tokens never appear in the logs: bootstrap, creation, use, failed logins', async () => {
    const created = await send(master.baseUrl, '/api/v1/tokens', {
      method: 'POST',
      headers: bearer(ADMIN),
      body: JSON.stringify({ name: 'sec-operator', role: 'operator' }),
    });
    expect(created.status).toBe(201);
    const operator = (JSON.parse(created.body) as { token: string }).token;
    secrets.push(operator);
    expect((await send(master.baseUrl, '/api/v1/jobs', { headers: bearer(operator) })).status).toBe(
      200,
    );
    expect((await send(master.baseUrl, '/job/list', { headers: bearer(operator) })).status).toBe(
      200,
    );
    // Failed logins (from another client address than the rest of this file, under the limit).
    for (let i = 0; i < 4; i++) {
      const wrong = `cp_wrong_${randomBytes(16).toString('hex')}`;
      secrets.push(wrong);
      const answer = await send(master.baseUrl, '/api/v1/jobs', {
        headers: bearer(wrong),
        from: '127.0.0.3',
      });
      expect(answer.status).toBe(401);
    }
    // A near miss of the admin token, and the token in other places a log might copy.
    const nearMiss = `${ADMIN}x`;
    expect(
      (await send(master.baseUrl, '/api/v1/jobs', { headers: bearer(nearMiss), from: '127.0.0.3' }))
        .status,
    ).toBe(401);
    await send(master.baseUrl, '/api/v1/tokens', {
      method: 'POST',
      headers: bearer(operator),
      body: JSON.stringify({ name: 'nope', role: 'admin' }),
    });
    await new Promise((r) => setTimeout(r, 500));
    const output = master.output();
    expect(output.length).toBeGreaterThan(0);
    expect(output).toContain('"statusCode":401');
    for (const secret of secrets) {
      if (output.includes(secret))
        throw new Error(`a token appears in the log: ${secret.slice(0, 8)}...`);
    }
    expect(output).not.toContain('Bearer ');
  });

  it('CORS is off by default: no Access-Control-Allow-Origin for a cross-origin request or preflight', async () => {
    const origin = { origin: 'http://evil.example' };
    const answers: RawAnswer[] = [
      await send(master.baseUrl, '/api/v1/jobs', { headers: { ...origin, ...bearer(ADMIN) } }),
      await send(master.baseUrl, '/api/v1/jobs', { headers: origin }),
      await send(master.baseUrl, '/job/list', { headers: { ...origin, ...bearer(ADMIN) } }),
      await send(master.baseUrl, '/api/v1/jobs', {
        method: 'OPTIONS',
        headers: {
          ...origin,
          'access-control-request-method': 'DELETE',
          'access-control-request-headers': 'authorization',
        },
      }),
      await send(master.baseUrl, '/healthz', { headers: origin }),
    ];
    for (const answer of answers) {
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
      expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
    }
  });

  it('helmet headers are on API, probe and console answers', async () => {
    for (const path of ['/api/v1/jobs', '/healthz', '/', '/job/list']) {
      const answer = await send(master.baseUrl, path, { headers: bearer(ADMIN) });
      expect({ path, nosniff: answer.headers['x-content-type-options'] }).toEqual({
        path,
        nosniff: 'nosniff',
      });
      expect(answer.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(answer.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(answer.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
      expect(answer.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(answer.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('job names cannot escape the etcd prefix through any job route or compat route', async () => {
    const tricks = [
      '..',
      '.',
      '../x',
      '../../x',
      '..%2Fx',
      '%2E%2E',
      '%2e%2e%2fx',
      '%252e%252e%252fx',
      'a/../../b',
      'a/b',
      'a%2Fb',
      'a%5Cb',
      'a\\..\\b',
      '/abs',
      'x/',
      'a@b',
      'a..b',
      '.hidden',
      '-dash',
      'a b',
      'a%00b',
      'a\u0000b',
      'a\nb',
      '\u2215etc', // division slash
      '\uff0e\uff0e', // fullwidth full stops
      'a\u2044b', // fraction slash
      '\u202e..', // right-to-left override
      'é',
      'x'.repeat(129),
      '*',
      '',
    ];
    const body = (name: string): string =>
      JSON.stringify({ name, command: 'true', cronExpr: '@every 1h', enabled: false });
    const escapeSegment = (name: string): string[] => {
      const encoded = encodeURIComponent(name);
      // Raw forms too, where the bytes can go on a request line.
      const raw = /^[\x21-\x7e]*$/.test(name) ? [name] : [];
      return [encoded, ...raw];
    };
    const serverErrors: string[] = [];
    const accepted: string[] = [];
    const check = (what: string, answer: RawAnswer): void => {
      if (answer.status >= 500) serverErrors.push(`${what} -> ${answer.status} ${answer.body}`);
    };
    for (const name of tricks) {
      const created = await send(master.baseUrl, '/api/v1/jobs', {
        method: 'POST',
        headers: bearer(ADMIN),
        body: body(name),
      });
      check(`POST /api/v1/jobs ${JSON.stringify(name)}`, created);
      if (created.status < 300) accepted.push(`POST ${JSON.stringify(name)}`);
      for (const segment of escapeSegment(name)) {
        const base = `/api/v1/jobs/${segment}`;
        const put = await send(master.baseUrl, base, {
          method: 'PUT',
          headers: bearer(ADMIN),
          body: JSON.stringify({ command: 'true', cronExpr: '@every 1h', enabled: false }),
        });
        check(`PUT ${base}`, put);
        if (put.status < 300) accepted.push(`PUT ${base}`);
        const calls: [string, string, string | undefined][] = [
          ['GET', base, undefined],
          ['PATCH', base, JSON.stringify({ description: 'x' })],
          ['POST', `${base}/pause`, undefined],
          ['POST', `${base}/resume`, undefined],
          ['POST', `${base}/run`, undefined],
          ['POST', `${base}/kill`, undefined],
          ['GET', `${base}/runs`, undefined],
          ['GET', `/api/v1/runs/${segment}`, undefined],
          ['POST', `/api/v1/runs/${segment}/kill`, undefined],
          ['DELETE', base, undefined],
        ];
        for (const [method, path, payload] of calls) {
          check(
            `${method} ${path}`,
            await send(master.baseUrl, path, { method, headers: bearer(ADMIN), body: payload }),
          );
        }
      }
      const saved = await send(master.baseUrl, '/job/save', {
        method: 'POST',
        headers: bearer(ADMIN),
        body: JSON.stringify({ name, command: 'true', cronExpr: '0 0 1 1 * 2099' }),
      });
      check(`/job/save ${JSON.stringify(name)}`, saved);
      if (saved.status === 200 && (JSON.parse(saved.body) as { errno: number }).errno === 0)
        accepted.push(`/job/save ${JSON.stringify(name)}`);
      const form = `name=${encodeURIComponent(name)}`;
      for (const path of ['/job/kill', '/job/delete']) {
        check(
          `${path} ${JSON.stringify(name)}`,
          await send(master.baseUrl, path, {
            method: 'POST',
            headers: bearer(ADMIN),
            body: JSON.stringify({ name }),
          }),
        );
        check(
          `${path} form ${JSON.stringify(name)}`,
          await send(master.baseUrl, path, {
            method: 'POST',
            headers: {
              ...bearer(ADMIN),
              'content-type': 'application/x-www-form-urlencoded',
              'content-length': String(form.length),
            },
            body: form,
          }),
        );
      }
      check(
        `/job/log ${JSON.stringify(name)}`,
        await send(master.baseUrl, `/job/log?name=${encodeURIComponent(name)}`, {
          headers: bearer(ADMIN),
        }),
      );
    }
    expect(serverErrors).toEqual([]);
    // No trick is a valid name, so none may have been stored.
    expect(tricks.filter((name) => isValidJobName(name))).toEqual([]);
    // Express routes ignore one trailing slash: "x/" is the job "x", a valid name in the prefix.
    expect(accepted).toEqual(['PUT /api/v1/jobs/x/']);

    // The whole keyspace of this private etcd: nothing outside the prefix, nothing unexpected in it.
    const all = Object.keys(await etcd.getAll().prefix('').strings());
    expect(all.filter((key) => !key.startsWith(prefix))).toEqual([]);
    const segment = '[A-Za-z0-9][A-Za-z0-9._-]{0,127}';
    const namespace = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
    const allowed = [
      new RegExp(`^specs/default/[0-9a-f]{2}/${segment}$`),
      /^layout$/,
      /^audit(ing)?\/\S+$/,
      new RegExp(`^state/${segment}(@${segment})?$`),
      new RegExp(`^running/${segment}(/\\S+)?$`),
      new RegExp(`^trigger/${segment}/\\S+$`),
      new RegExp(`^kill/\\S+$`),
      /^tokens\/[0-9a-f]{64}$/,
      /^masters\/\S+$/,
      /^leader(\/\S+)?$/,
      /^auth\/bootstrapped$/,
      // Version history (docs/versions.md): per namespace and job name, both checked.
      new RegExp(`^versions/seq/${namespace}/${segment}$`),
      new RegExp(`^versions/outbox/${namespace}/${segment}/\\d{10}$`),
    ];
    const unexpected = all
      .map((key) => key.slice(prefix.length))
      .filter((tail) => !allowed.some((re) => re.test(tail)));
    expect(unexpected).toEqual([]);
    const jobNames = all
      .filter((key) => key.startsWith(`${prefix}specs/`))
      .map((key) => key.slice(`${prefix}specs/default/00/`.length));
    expect(jobNames.filter((name) => !isValidJobName(name))).toEqual([]);
    // "x" (from "x/") may be there or already deleted by the DELETE of "x/".
    expect(jobNames.filter((n) => n !== 'sample-1' && n !== 'x')).toEqual([]);
  });

  it('repeated auth failures are rate-limited per client: 429 with Retry-After, others unaffected', async () => {
    const from = '127.0.0.5';
    // Successful requests never count.
    for (let i = 0; i < 20; i++)
      expect(
        (await send(master.baseUrl, '/api/v1/jobs', { headers: bearer(ADMIN), from })).status,
      ).toBe(200);
    // Requests without a token guess nothing and are not counted either.
    for (let i = 0; i < 20; i++)
      expect((await send(master.baseUrl, '/api/v1/jobs', { from })).status).toBe(401);
    // The default limit: 10 failures per minute.
    for (let i = 0; i < 10; i++) {
      const answer = await send(master.baseUrl, '/api/v1/jobs', {
        headers: bearer(`cp_guess_${i}_${randomBytes(8).toString('hex')}`),
        from,
      });
      expect(answer.status).toBe(401);
    }
    const refused = await send(master.baseUrl, '/api/v1/jobs', {
      headers: bearer('cp_guess_again'),
      from,
    });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(50);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(JSON.parse(refused.body)).toMatchObject({ statusCode: 429 });
    // Compat routes too, with the real status.
    const compat = await send(master.baseUrl, '/job/list', {
      headers: bearer('cp_guess_compat'),
      from,
    });
    expect(compat.status).toBe(429);
    expect(compat.headers['retry-after']).toBeDefined();
    // While refused, even a right guess is refused (else 429 vs 200 would confirm guesses).
    expect(
      (await send(master.baseUrl, '/api/v1/jobs', { headers: bearer(ADMIN), from })).status,
    ).toBe(429);
    // Other clients are unaffected, with or without failures of their own.
    expect(
      (await send(master.baseUrl, '/api/v1/jobs', { headers: bearer(ADMIN), from: '127.0.0.6' }))
        .status,
    ).toBe(200);
    expect(
      (
        await send(master.baseUrl, '/api/v1/jobs', {
          headers: bearer('cp_other'),
          from: '127.0.0.6',
        })
      ).status,
    ).toBe(401);
    // Probes stay open.
    expect((await send(master.baseUrl, '/healthz', { from })).status).toBe(200);
  });

  it('the limit lifts when the window passes (AUTH_FAILURE_LIMIT=5, AUTH_FAILURE_WINDOW_SECONDS=3)', async () => {
    const from = '127.0.0.7';
    for (let i = 0; i < 5; i++)
      expect(
        (await send(limited.baseUrl, '/api/v1/jobs', { headers: bearer(`cp_w_${i}`), from }))
          .status,
      ).toBe(401);
    const refused = await send(limited.baseUrl, '/api/v1/jobs', { headers: bearer(ADMIN), from });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 3200));
    expect(
      (await send(limited.baseUrl, '/api/v1/jobs', { headers: bearer(ADMIN), from })).status,
    ).toBe(200);
    expect(
      (await send(limited.baseUrl, '/api/v1/jobs', { headers: bearer('cp_w_again'), from })).status,
    ).toBe(401);
  });
});
