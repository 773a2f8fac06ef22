/**
 * The console's read-only view of a job managed by files (`cronplane apply` sets managedBy), in
 * a real browser against a real master: the banner names the manager, Edit and Delete are
 * disabled, the editor takes no change; a job managed by nobody keeps its buttons.
 */
import type { Page } from 'playwright-core';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { Browser, launchBrowser, screenshot } from './browser';
import { apiCall, buildConsole, login } from './console-app';

const ADMIN = `console-managed-${Date.now()}-token`;
const MANAGER = 'git:https://example.com/ops/jobs.git';

jest.setTimeout(180_000);

const post = (app: AppProcess, path: string, body: unknown) =>
  apiCall(app, ADMIN, 'POST', path, body);

describe('console: a job managed by files is read-only', () => {
  let app: AppProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    buildConsole();
    app = await startApp(
      appEnv(isolationId('consolemanaged'), { ROLE: 'master', CRON_ADMIN_TOKEN: ADMIN }),
    );
    await post(app, '/jobs', {
      name: 'from-git',
      command: 'make report',
      cronExpr: '@daily',
      managedBy: MANAGER,
    });
    await post(app, '/jobs', { name: 'by-hand', command: 'true', cronExpr: '@daily' });
    browser = await launchBrowser();
    page = await browser.page(1280);
    await login(page, app, ADMIN);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('the job page names the manager and disables Edit and Delete', async () => {
    await page.goto(`${app.baseUrl}/jobs/from-git`);
    const banner = page.getByTestId('managed-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain(`Managed by ${MANAGER} — change it in its files`);
    const actions = page.getByRole('group', { name: 'Job actions' });
    expect(await actions.getByRole('button', { name: 'Edit' }).isDisabled()).toBe(true);
    expect(await actions.getByRole('button', { name: 'Delete' }).isDisabled()).toBe(true);
    expect(await actions.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    await screenshot(page, 'job-detail-managed-1280');
  });

  it('the editor shows the banner and takes no change', async () => {
    await page.goto(`${app.baseUrl}/jobs/from-git/edit`);
    await page.getByTestId('managed-banner').waitFor();
    expect(await page.locator('#command').isDisabled()).toBe(true);
    expect(await page.locator('#cronExpr').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save changes' }).isDisabled()).toBe(true);
  });

  it('a job managed by nobody keeps its Edit link and Delete button, and no banner', async () => {
    await page.goto(`${app.baseUrl}/jobs/by-hand`);
    const actions = page.getByRole('group', { name: 'Job actions' });
    await actions.getByRole('link', { name: 'Edit' }).waitFor();
    expect(await actions.getByRole('button', { name: 'Delete' }).isDisabled()).toBe(false);
    expect(await page.getByTestId('managed-banner').count()).toBe(0);
  });

  it('ran without page errors or dialogs', () => {
    expect(browser.pageErrors).toEqual([]);
    expect(browser.dialogs).toEqual([]);
  });
});
