/**
 * The console's single sign-on in Chromium against a real OpenID provider and a real master:
 * the login button, the provider's login form and back, the role the mapping gives, the session
 * cookie's attributes, the CSRF check on cookie-authenticated writes, and logout ending the
 * session on the master (the old cookie no longer works).
 */
import type { Cookie, Page } from 'playwright-core';
import { Browser, launchBrowser, screenshot } from '../console/browser';
import { buildConsole } from '../console/console-app';
import { SsoFixture, startSsoFixture } from './sso-fixture';

jest.setTimeout(240_000);

const job = (name: string) => ({ name, command: 'true', cronExpr: '@daily' });

describe('SSO: console login through the provider', () => {
  let sso: SsoFixture;
  const browsers: Browser[] = [];
  /** Authorization codes, and cookie values of sessions since ended. */
  const ended: string[] = [];

  beforeAll(async () => {
    buildConsole();
    sso = await startSsoFixture('ssoconsole');
  });

  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    await sso?.stop();
  });

  /** A fresh browser, logged in as `user` through the console's SSO button. */
  async function loginAs(user: string, next = '/'): Promise<{ browser: Browser; page: Page }> {
    const browser = await launchBrowser();
    browsers.push(browser);
    const page = await browser.page(1280);
    page.on('request', (request) => {
      const url = new URL(request.url());
      const code = url.searchParams.get('code');
      if (url.pathname === '/api/v1/sso/callback' && code) ended.push(code);
    });
    await page.goto(`${sso.app.baseUrl}${next}`);
    await page.waitForURL(/\/login/);
    await page.getByRole('link', { name: 'Sign in with SSO' }).click();
    await page.waitForURL(`${sso.provider.issuer}/**`);
    await page.fill('input[name=login]', user);
    await page.fill('input[name=password]', 'any password');
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
    expect(page.url().startsWith(sso.app.baseUrl)).toBe(true);
    return { browser, page };
  }

  const cookie = (cookies: Cookie[], name: string): Cookie => {
    const found = cookies.find((c) => c.name === name);
    if (!found) throw new Error(`no cookie ${name}`);
    return found;
  };

  /** A write with the browser's cookies, with or without the CSRF header. */
  async function cookieWrite(page: Page, path: string, body: unknown, csrf?: string) {
    const response = await page.request.post(`${sso.app.baseUrl}/api/v1${path}`, {
      data: body,
      headers: csrf === undefined ? {} : { 'x-csrf-token': csrf },
    });
    return { status: response.status(), body: (await response.json()) as { message?: string } };
  }

  it('logs a viewer in: back in the console with the mapped role and no write control', async () => {
    const { browser, page } = await loginAs('alice');
    await page.locator('.badge.role-viewer').waitFor();
    await page.getByText('sso:alice').waitFor();
    expect(await page.getByRole('link', { name: 'New job' }).count()).toBe(0);
    await screenshot(page, 'sso-viewer');

    const cookies = await browser.context.cookies(sso.app.baseUrl);
    const session = cookie(cookies, 'cronplane_session');
    expect({
      httpOnly: session.httpOnly,
      sameSite: session.sameSite,
      secure: session.secure,
    }).toEqual({ httpOnly: true, sameSite: 'Lax', secure: false });
    const csrf = cookie(cookies, 'cronplane_csrf');
    expect(csrf.httpOnly).toBe(false);
    // The console's script cannot read the session id; the CSRF token it can.
    expect(await page.evaluate('document.cookie')).toBe(`cronplane_csrf=${csrf.value}`);
    const refused = await cookieWrite(page, '/jobs', job('by-alice'), csrf.value);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('role viewer');
  });

  it('an admin group writes in its namespace only; a cookie write needs the CSRF token', async () => {
    const { browser, page } = await loginAs('bob', '/ns/team-b');
    await page.waitForURL(`${sso.app.baseUrl}/ns/team-b`);
    await page.locator('.badge.role-admin').waitFor();
    await page.getByRole('link', { name: 'New job' }).waitFor();
    await screenshot(page, 'sso-team-admin');

    const csrf = cookie(await browser.context.cookies(sso.app.baseUrl), 'cronplane_csrf').value;
    const withoutToken = await cookieWrite(page, '/namespaces/team-b/jobs', job('no-csrf'));
    expect(withoutToken.status).toBe(403);
    expect(withoutToken.body.message).toContain('X-CSRF-Token');
    const wrongToken = await cookieWrite(page, '/namespaces/team-b/jobs', job('bad'), `${csrf}x`);
    expect(wrongToken.status).toBe(403);
    const withToken = await cookieWrite(page, '/namespaces/team-b/jobs', job('with-csrf'), csrf);
    expect(withToken.status).toBe(201);
    const inDefault = await cookieWrite(page, '/jobs', job('bob-in-default'), csrf);
    expect(inDefault.status).toBe(404);

    // The console writes with the token too: pause the job from its page.
    await page.goto(`${sso.app.baseUrl}/ns/team-b/jobs/with-csrf`);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
  });

  it('logout ends the session on the master: the old cookie no longer works', async () => {
    const { browser, page } = await loginAs('bob');
    const before = await browser.context.cookies(sso.app.baseUrl);
    const header = `cronplane_session=${cookie(before, 'cronplane_session').value}`;
    ended.push(...before.map((c) => c.value));
    const whoami = () =>
      fetch(`${sso.app.baseUrl}/api/v1/whoami`, { headers: { cookie: header } }).then(
        (r) => r.status,
      );
    expect(await whoami()).toBe(200);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
    await page.getByRole('link', { name: 'Sign in with SSO' }).waitFor();
    expect(await whoami()).toBe(401);
    const after = await browser.context.cookies(sso.app.baseUrl);
    expect(after.map((c) => c.name)).not.toContain('cronplane_session');
  });

  it('never logs the session cookie, the CSRF token, the authorization code or the client secret', async () => {
    const output = sso.app.output();
    expect(output).toContain('SSO login');
    expect(output).not.toContain(sso.clientSecret);
    const values = [...ended];
    for (const browser of browsers)
      values.push(...(await browser.context.cookies(sso.app.baseUrl)).map((c) => c.value));
    expect(values.length).toBeGreaterThanOrEqual(6);
    for (const value of values) expect(output).not.toContain(value);
  });
});
