/**
 * The console's namespace switcher, in a real browser against a real master: it lists the
 * namespaces, opens the chosen one's jobs under /ns/<namespace>, and every page there (a job,
 * a run) reads that namespace's jobs and runs; `default` keeps the old addresses.
 */
import type { Page } from 'playwright-core';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { Browser, launchBrowser, screenshot } from './browser';
import { apiCall, buildConsole, login } from './console-app';

const ADMIN = `console-namespaces-${Date.now()}-token`;

jest.setTimeout(180_000);

const post = (app: AppProcess, path: string, body: unknown) =>
  apiCall(app, ADMIN, 'POST', path, body);

describe('console: namespaces', () => {
  let app: AppProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    buildConsole();
    app = await startApp(
      appEnv(isolationId('consolens'), { ROLE: 'master', CRON_ADMIN_TOKEN: ADMIN }),
    );
    await post(app, '/namespaces', { name: 'team-a', description: 'Team A' });
    await post(app, '/jobs', { name: 'only-default', command: 'true', cronExpr: '@daily' });
    await post(app, '/namespaces/team-a/jobs', {
      name: 'only-team-a',
      command: 'echo team a',
      cronExpr: '@daily',
    });
    browser = await launchBrowser();
    page = await browser.page(1280);
    await login(page, app, ADMIN);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('switches namespace: the list, the address and the job page follow', async () => {
    const switcher = page.getByRole('combobox', { name: 'Namespace' });
    expect(await switcher.inputValue()).toBe('default');
    await page.getByRole('link', { name: 'only-default' }).waitFor();
    expect(await switcher.locator('option').allTextContents()).toEqual(['default', 'team-a']);

    await switcher.selectOption('team-a');
    await page.waitForURL(`${app.baseUrl}/ns/team-a`);
    await page.getByRole('link', { name: 'only-team-a' }).waitFor();
    expect(await page.getByRole('link', { name: 'only-default' }).count()).toBe(0);
    await screenshot(page, 'namespace-switcher');

    await page.getByRole('link', { name: 'only-team-a' }).click();
    await page.waitForURL(`${app.baseUrl}/ns/team-a/jobs/only-team-a`);
    await page.getByText('echo team a').first().waitFor();
    expect(await switcher.inputValue()).toBe('team-a');

    // A deep link opens in its namespace; back to default keeps the old addresses.
    await page.goto(`${app.baseUrl}/ns/team-a/jobs/only-team-a`);
    await page.getByText('echo team a').first().waitFor();
    await page.getByRole('combobox', { name: 'Namespace' }).selectOption('default');
    await page.waitForURL(`${app.baseUrl}/`);
    await page.getByRole('link', { name: 'only-default' }).waitFor();
  });
});
