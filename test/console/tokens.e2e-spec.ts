/**
 * The console's Tokens and Audit log pages in a real browser against a real master: an admin
 * creates a token through the page and sees its secret once, the token works, revoking it makes
 * the API refuse it, bad input shows the API's reasons; the audit page lists the test's own
 * changes, per namespace, with filters; a viewer has no Tokens entry and no write control on the
 * pages it sees. Also: the job editor keeps `shell` and `stdin` on save.
 */
import type { Page } from 'playwright-core';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { Browser, launchBrowser, pageContents, screenshot } from './browser';
import { apiCall, buildConsole, login } from './console-app';

const ADMIN = `console-tokens-${Date.now()}-token`;

jest.setTimeout(180_000);

const call = <T>(app: AppProcess, method: string, path: string, body?: unknown): Promise<T> =>
  apiCall<T>(app, ADMIN, method, path, body);

/** The status GET /whoami answers with `token`. */
async function whoamiStatus(app: AppProcess, token: string): Promise<number> {
  const response = await fetch(`${app.baseUrl}/api/v1/whoami`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.text();
  return response.status;
}

/** The audit table's rows as "action job" strings, newest first. */
async function auditRows(page: Page): Promise<string[]> {
  const table = page.getByRole('table', { name: 'Audit log' });
  await table.waitFor();
  return table
    .locator('tbody tr')
    .evaluateAll((rows) =>
      rows.map(
        (row) =>
          `${row.querySelector('td[data-label="Action"]')?.textContent ?? ''} ${row.querySelector('td[data-label="Job"]')?.textContent ?? ''}`,
      ),
    );
}

/** Every button, form and link on the page that is not one of the read-only ones a viewer may use. */
async function writeControls(page: Page): Promise<string[]> {
  const readOnly = [
    /^Log out$/,
    /^Filter$/,
    /^(Previous|Next|Newer|Older)$/,
    /^v\d+$/,
    /^Load older runs$/,
    /^Try again$/,
  ];
  const buttons = (await page.locator('button, input[type=submit]').allTextContents())
    .map((text) => text.trim())
    .filter((text) => !readOnly.some((allowed) => allowed.test(text)))
    .map((text) => `button: ${text}`);
  const forms = (
    await page
      .locator('form:not([role="search"])')
      .evaluateAll((all) => all.map((form) => form.getAttribute('aria-label') ?? form.className))
  ).map((name) => `form: ${name}`);
  const links = (await page.locator('a').allTextContents())
    .map((text) => text.trim())
    .filter((text) => /^(New job|Edit|Tokens)$/.test(text))
    .map((text) => `link: ${text}`);
  return [...buttons, ...forms, ...links];
}

describe('console: tokens and audit log', () => {
  let app: AppProcess;
  let browser: Browser;
  let viewerToken: string;

  beforeAll(async () => {
    buildConsole();
    app = await startApp(
      appEnv(isolationId('consoletokens'), { ROLE: 'master', CRON_ADMIN_TOKEN: ADMIN }),
    );
    await call(app, 'POST', '/namespaces', { name: 'team-a' });
    await call(app, 'POST', '/jobs', { name: 'audited', command: 'true', cronExpr: '@daily' });
    await call(app, 'POST', '/jobs/audited/pause');
    await call(app, 'POST', '/namespaces/team-a/jobs', {
      name: 'elsewhere',
      command: 'true',
      cronExpr: '@daily',
    });
    viewerToken = (
      await call<{ token: string }>(app, 'POST', '/tokens', {
        name: 'page-viewer',
        grants: [{ namespace: 'default', role: 'viewer' }],
      })
    ).token;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('creates a token through the page, shows its secret once, lists it, and revokes it', async () => {
    const page = await browser.page(1280);
    await login(page, app, ADMIN);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Tokens' })
      .click();
    await page.waitForURL(`${app.baseUrl}/tokens`);
    await page.locator('#token-name').fill('ci-page');
    await page.locator('#grant-0-role').selectOption('operator');
    await page.getByRole('button', { name: 'Create token' }).click();

    const shown = page.getByTestId('new-secret');
    await shown.waitFor();
    expect(await shown.innerText()).toContain('This secret is shown only once.');
    const secret = await page.getByRole('textbox', { name: 'New token secret' }).inputValue();
    expect(secret).toMatch(/^cp_[A-Za-z0-9_-]{20,}$/);
    expect(await page.getByRole('button', { name: 'Copy' }).count()).toBe(1);
    await screenshot(page, 'tokens-created');

    // The new token works against the API, with the grant chosen in the form.
    const me = await apiCall<{ name: string; grants: unknown[] }>(app, secret, 'GET', '/whoami');
    expect(me).toMatchObject({
      name: 'ci-page',
      grants: [{ namespace: 'default', role: 'operator' }],
    });

    const row = page
      .getByRole('table', { name: 'Tokens' })
      .locator('tbody tr', { hasText: 'ci-page' });
    await row.waitFor();
    expect(await row.locator('td[data-label="Grants"]').innerText()).toBe('default: operator');
    expect(await row.locator('td[data-label="State"]').innerText()).toBe('active');
    expect(await row.locator('td[data-label="Created"]').innerText()).toContain(
      'by bootstrap-admin',
    );

    // Done: the secret is gone from the page, and a reload does not bring it back.
    expect(await pageContents(page)).toContain(secret);
    await page.getByRole('button', { name: 'Done, hide the secret' }).click();
    expect(await pageContents(page)).not.toContain(secret);
    await page.reload();
    await row.waitFor();
    expect(await pageContents(page)).not.toContain(secret);

    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('button', { name: 'Revoke token' }).click();
    await page.getByText('Token “ci-page” revoked: the API refuses it now.').waitFor();
    expect(await row.locator('td[data-label="State"]').innerText()).toBe('revoked');
    expect(await whoamiStatus(app, secret)).toBe(401);
    const listed = await call<{ name: string }[]>(app, 'GET', '/tokens');
    expect(listed.map((t) => t.name)).not.toContain('ci-page');
    expect(browser.pageErrors).toEqual([]);
    await page.close();
  });

  it('shows the API’s reasons next to the form: an empty name, a past expiry', async () => {
    const page = await browser.page(1280);
    await login(page, app, ADMIN);
    await page.goto(`${app.baseUrl}/tokens`);
    const form = page.getByRole('form', { name: 'New token' });
    await form.getByRole('button', { name: 'Create token' }).click();
    await form
      .locator('.field-error')
      .filter({
        hasText: 'must be 1-128 characters of [A-Za-z0-9._-], starting with a letter or digit',
      })
      .waitFor();
    expect(await page.getByTestId('new-secret').count()).toBe(0);

    await page.locator('#token-name').fill('too-late');
    await page.locator('#token-expires').fill('2020-01-01T00:00');
    await form.getByRole('button', { name: 'Create token' }).click();
    await form.locator('.field-error').filter({ hasText: 'must be in the future' }).waitFor();
    expect(await form.locator('.field-error').allInnerTexts()).toEqual(['must be in the future']);
    expect(await page.getByTestId('new-secret').count()).toBe(0);
    await screenshot(page, 'tokens-bad-input');
    const listed = await call<{ name: string }[]>(app, 'GET', '/tokens');
    expect(listed.map((t) => t.name)).not.toContain('too-late');
    // The browser logs the two refused requests, and nothing else went wrong.
    expect(browser.pageErrors.splice(0)).toEqual([
      expect.stringContaining('status of 400'),
      expect.stringContaining('status of 400'),
    ]);
    await page.close();
  });

  it('lists the audit log of the namespace shown, newest first, filtered by job and actor', async () => {
    const page = await browser.page(1280);
    await login(page, app, ADMIN);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Audit' })
      .click();
    await page.waitForURL(`${app.baseUrl}/audit`);
    const rows = await auditRows(page);
    // default's log: its jobs' changes and the cluster's own (tokens), not team-a's.
    expect(rows).toEqual(
      expect.arrayContaining(['job.create audited', 'job.pause audited', 'token.create —']),
    );
    expect(rows.indexOf('job.pause audited')).toBeLessThan(rows.indexOf('job.create audited'));
    expect(rows.join('\n')).not.toContain('elsewhere');
    await screenshot(page, 'audit-default');

    await page.getByRole('searchbox', { name: 'Job' }).fill('audited');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(`${app.baseUrl}/audit?job=audited`);
    // Gone once the filtered page is shown (the cluster's log may hold several token rows).
    await page
      .getByRole('table', { name: 'Audit log' })
      .locator('tbody tr', { hasText: 'token.create' })
      .first()
      .waitFor({ state: 'detached' });
    expect(await auditRows(page)).toEqual(['job.pause audited', 'job.create audited']);

    await page.goto(`${app.baseUrl}/audit?actor=page-viewer`);
    await page.getByText('No entry matches these filters.').waitFor();
    await page.goto(`${app.baseUrl}/audit?actor=bootstrap-admin&action=job.pause`);
    expect(await auditRows(page)).toEqual(['job.pause audited']);

    await page.goto(`${app.baseUrl}/ns/team-a/audit`);
    // team-a's log: its job and its own creation, nothing of default.
    expect(await auditRows(page)).toEqual(['job.create elsewhere', 'namespace.create —']);
    await page
      .getByRole('table', { name: 'Audit log' })
      .getByRole('link', { name: 'elsewhere' })
      .click();
    await page.waitForURL(`${app.baseUrl}/ns/team-a/jobs/elsewhere`);
    expect(browser.pageErrors).toEqual([]);
    await page.close();
  });

  it('a viewer has no Tokens entry and no write control on the jobs list, a job, or the audit log', async () => {
    const page = await browser.page(1280);
    await login(page, app, viewerToken);
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allInnerTexts()).toEqual([
      'Jobs',
      'Dependencies',
      'Audit',
      'Workers',
    ]);
    await page.getByRole('link', { name: 'audited' }).waitFor();
    expect(await writeControls(page)).toEqual([]);

    await page.goto(`${app.baseUrl}/jobs/audited`);
    await page
      .getByRole('region', { name: 'History' })
      .getByRole('button', { name: 'v1' })
      .waitFor();
    expect(await writeControls(page)).toEqual([]);

    await page.goto(`${app.baseUrl}/audit`);
    expect(await auditRows(page)).toEqual(expect.arrayContaining(['job.pause audited']));
    expect(await writeControls(page)).toEqual([]);
    await screenshot(page, 'audit-viewer');

    await page.goto(`${app.baseUrl}/tokens`);
    await page.getByText('Only a cluster-admin or a namespace admin can manage tokens.').waitFor();
    expect(await page.locator('form').count()).toBe(0);
    expect(await writeControls(page)).toEqual([]);

    // The check finds write controls where they are: the admin's job page has them.
    const admin = await browser.page(1280);
    await login(admin, app, ADMIN);
    await admin.goto(`${app.baseUrl}/jobs/audited`);
    await admin
      .getByRole('region', { name: 'History' })
      .getByRole('button', { name: 'v1' })
      .waitFor();
    expect(await writeControls(admin)).toEqual(
      expect.arrayContaining(['button: Run now', 'button: Delete', 'link: Edit']),
    );
    await admin.close();
    await page.close();
  });

  it('the job editor keeps shell and stdin on save', async () => {
    await call(app, 'POST', '/jobs', {
      name: 'with-shell',
      command: 'cat',
      cronExpr: '@daily',
      shell: '/bin/bash',
      stdin: 'line one\nline two\n',
    });
    const page = await browser.page(1280);
    await login(page, app, ADMIN);
    await page.goto(`${app.baseUrl}/jobs/with-shell/edit`);
    expect(await page.locator('#shell').inputValue()).toBe('/bin/bash');
    expect(await page.locator('#stdin').inputValue()).toBe('line one\nline two\n');
    await page.locator('#description').fill('edited in the console');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`${app.baseUrl}/jobs/with-shell`);
    const saved = await call<{ description: string; shell?: string; stdin?: string }>(
      app,
      'GET',
      '/jobs/with-shell',
    );
    expect(saved).toMatchObject({
      description: 'edited in the console',
      shell: '/bin/bash',
      stdin: 'line one\nline two\n',
    });

    // And they can be changed there: a relative shell is refused with the API's reason.
    await page.goto(`${app.baseUrl}/jobs/with-shell/edit`);
    await page.locator('#shell').fill('bash');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('#shell-error').waitFor();
    expect(await page.locator('#shell-error').innerText()).toMatch(/absolute/);
    await page.close();
  });
});
