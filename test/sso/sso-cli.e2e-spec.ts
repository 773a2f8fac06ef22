/**
 * `cronplane login --sso` against a real OpenID provider and a real master: the device
 * authorization flow (the test approves the code on the provider's own pages in Chromium), the
 * token stored in the context (file mode 0600, never printed), used by the other verbs, and
 * refreshed from the refresh token once expired.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { Browser, launchBrowser } from '../console/browser';
import { cli, startCli } from '../cli/support/cli';
import { eventually } from '../api/api-client';
import { SsoFixture, startSsoFixture } from './sso-fixture';

jest.setTimeout(240_000);

interface StoredContext {
  name: string;
  server: string;
  token: string;
  refreshToken?: string;
  tokenExpiresAt?: string;
  ssoIssuer?: string;
  ssoClientId?: string;
}

describe('SSO: cronplane login --sso (device flow)', () => {
  let sso: SsoFixture;
  let browser: Browser;
  const config = join(mkdtempSync(join(tmpdir(), 'cronplane-sso-cli-')), 'config.yaml');
  const env = { CRONPLANE_CONFIG: config };
  const stored = (): StoredContext =>
    (parse(readFileSync(config, 'utf8')) as { contexts: StoredContext[] }).contexts[0];

  beforeAll(async () => {
    sso = await startSsoFixture('ssocli');
    browser = await launchBrowser();
    const created = await fetch(`${sso.app.baseUrl}/api/v1/namespaces/team-b/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sso.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'team-b-report', command: 'true', cronExpr: '@daily' }),
    });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await browser?.close();
    await sso?.stop();
  });

  it('logs in with the device flow, approved on the provider, and stores the token (0600)', async () => {
    const run = startCli(['login', '--sso', '--server', sso.app.baseUrl, '--context', 'work'], {
      env,
    });
    const verification = (): string | undefined => /\(or open (\S+)\)/.exec(run.stdout())?.[1];
    const exitedEarly = run.done.then((r) => {
      throw new Error(`the CLI exited before showing a code: ${JSON.stringify(r)}`);
    });
    await Promise.race([
      eventually(() => Promise.resolve(verification() !== undefined), 30_000),
      exitedEarly,
    ]);
    exitedEarly.catch(() => undefined);
    const shown = String(verification());
    expect(run.stdout()).toMatch(/enter the code [A-Z]{4}-[A-Z]{4}/);

    const page = await browser.page(1280);
    await page.goto(shown);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.fill('input[name=login]', 'bob');
    await page.fill('input[name=password]', 'any password');
    await page.click('button[type=submit]');
    const result = await run.done;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('logged in as sso:bob; context "work" saved');

    expect(statSync(config).mode & 0o777).toBe(0o600);
    const context = stored();
    expect(context).toMatchObject({
      name: 'work',
      server: sso.app.baseUrl,
      ssoIssuer: sso.provider.issuer,
      ssoClientId: 'cronplane-cli',
    });
    expect(context.token.split('.')).toHaveLength(3);
    expect(context.refreshToken).toBeTruthy();
    expect(Date.parse(String(context.tokenExpiresAt))).toBeGreaterThan(Date.now());
    expect(result.stdout).not.toContain(context.token);
    expect(result.stdout).not.toContain(String(context.refreshToken));

    // The provider's own access token works on the API, with bob's mapped role.
    const jobs = await cli(['get', 'jobs', '-n', 'team-b', '-o', 'json'], { env });
    expect(jobs.code).toBe(0);
    expect(jobs.stdout).toContain('team-b-report');
    const outside = await cli(['get', 'jobs', '-o', 'json'], { env });
    expect(outside.code).not.toBe(0);
    expect(outside.stderr).toContain('namespace "default" not found');
    const contexts = await cli(['config', 'get-contexts'], { env });
    expect(contexts.stdout).not.toContain(context.token);
  });

  it('refreshes an expired token from the refresh token and stores the new one', async () => {
    const before = stored();
    const expired = sso.accessToken('bob', {
      iat: Math.floor(Date.now() / 1000) - 7200,
      exp: Math.floor(Date.now() / 1000) - 3600,
    });
    const past = new Date(Date.now() - 3600_000).toISOString();
    writeFileSync(
      config,
      stringify({
        currentContext: 'work',
        contexts: [{ ...before, token: expired, tokenExpiresAt: past }],
      }),
      { mode: 0o600 },
    );
    const jobs = await cli(['get', 'jobs', '-n', 'team-b', '-o', 'json'], { env });
    expect(jobs.stderr).toBe('');
    expect(jobs.code).toBe(0);
    expect(jobs.stdout).toContain('team-b-report');
    const after = stored();
    expect(after.token).not.toBe(expired);
    expect(after.token).not.toBe(before.token);
    expect(Date.parse(String(after.tokenExpiresAt))).toBeGreaterThan(Date.now());
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(jobs.stdout).not.toContain(after.token);

    // Without a refresh token an expired token is refused by the server: one line, exit 1.
    writeFileSync(
      config,
      stringify({
        currentContext: 'work',
        contexts: [{ name: 'work', server: sso.app.baseUrl, token: expired }],
      }),
      { mode: 0o600 },
    );
    const refused = await cli(['get', 'jobs', '-n', 'team-b'], { env });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('token expired');
  });

  it('shows and replaces the group mapping with sso group-grants (cluster-admin only)', async () => {
    const admin = { token: ['--server', sso.app.baseUrl, '--token', sso.admin] };
    const shown = await cli(['sso', 'group-grants', ...admin.token, '-o', 'json']);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      mappings: [{ group: 'team-b-admins' }, { group: 'viewers' }],
    });
    const dir = mkdtempSync(join(tmpdir(), 'cronplane-sso-map-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'mappings:\n  - group: ops\n    grants:\n      - {namespace: team-b, role: owner}\n',
    );
    const refused = await cli(['sso', 'group-grants', ...admin.token, '-f', bad]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('mappings[0].grants[0].role');
    const good = join(dir, 'good.yaml');
    writeFileSync(
      good,
      'mappings:\n  - group: team-b-admins\n    grants:\n      - {namespace: team-b, role: operator}\n',
    );
    const replaced = await cli(['sso', 'group-grants', ...admin.token, '-f', good]);
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toContain('role: operator');
    // bob, an SSO user whose group administers team-b, is no cluster-admin.
    const bob = ['--server', sso.app.baseUrl, '--token', sso.accessToken('bob')];
    const asBob = await cli(['sso', 'group-grants', ...bob]);
    expect(asBob.code).not.toBe(0);
    expect(asBob.stderr).toContain('cluster-admin');
  });
});
