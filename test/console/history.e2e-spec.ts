/**
 * The job page's History in a real browser against a real master: the versions of a job, the
 * diff of one against the current definition, a rollback through the Roll back dialog, and no
 * Roll back control for a viewer.
 */
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { Browser, launchBrowser, screenshot } from './browser';
import { apiCall, buildConsole, login } from './console-app';

const ADMIN = `console-history-${Date.now()}-token`;

jest.setTimeout(180_000);

const call = <T>(app: AppProcess, method: string, path: string, body?: unknown): Promise<T> =>
  apiCall<T>(app, ADMIN, method, path, body);

describe('console: job history, diff and rollback', () => {
  let app: AppProcess;
  let browser: Browser;
  let viewerToken: string;

  beforeAll(async () => {
    buildConsole();
    app = await startApp(
      appEnv(isolationId('consolehistory'), { ROLE: 'master', CRON_ADMIN_TOKEN: ADMIN }),
    );
    await call(app, 'POST', '/jobs', {
      name: 'report',
      command: 'make report',
      cronExpr: '@daily',
    });
    await call(app, 'PATCH', '/jobs/report', { command: 'make report --fast', timeoutSeconds: 60 });
    viewerToken = (
      await call<{ token: string }>(app, 'POST', '/tokens', { name: 'viewer', role: 'viewer' })
    ).token;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('lists the versions, shows the diff of one and rolls back to it', async () => {
    const page = await browser.page(1280);
    await login(page, app, ADMIN);
    await page.goto(`${app.baseUrl}/jobs/report`);
    const history = page.getByRole('region', { name: 'History' });
    await history.getByRole('button', { name: 'v2' }).waitFor();
    expect(await history.getByRole('button', { name: /^v\d+$/ }).allTextContents()).toEqual([
      'v2',
      'v1',
    ]);
    await history.getByRole('button', { name: 'v1' }).click();
    const diff = history.getByRole('table', { name: 'Changes from version 1 to now' });
    await diff.waitFor();
    const rows = await diff.locator('tbody tr').allInnerTexts();
    expect(rows.map((row) => row.split(/\s+/).join(' '))).toEqual([
      '/command "make report" "make report --fast"',
      '/timeoutSeconds 0 60',
    ]);
    await screenshot(page, 'history-diff');

    await history.getByRole('button', { name: 'Roll back' }).click();
    await page.getByRole('button', { name: 'Roll back to v1' }).click();
    await page.getByText('Rolled back to version 1.').waitFor();
    await history.getByRole('button', { name: 'v3' }).waitFor();
    expect(await history.getByRole('row').filter({ hasText: 'v3' }).innerText()).toContain(
      'rollback to v1',
    );
    const job = await call<{ command: string; timeoutSeconds: number }>(app, 'GET', '/jobs/report');
    expect(job).toMatchObject({ command: 'make report', timeoutSeconds: 0 });
    expect(browser.pageErrors).toEqual([]);
    await page.close();
  });

  it('a viewer sees the history and the diff, and no Roll back control', async () => {
    const page = await browser.page(1280);
    await login(page, app, viewerToken);
    await page.goto(`${app.baseUrl}/jobs/report`);
    const history = page.getByRole('region', { name: 'History' });
    await history.getByRole('button', { name: 'v2' }).click();
    await history.getByRole('table', { name: 'Changes from version 2 to now' }).waitFor();
    expect(await page.getByRole('button', { name: 'Roll back' }).count()).toBe(0);
    await page.close();
  });
});
