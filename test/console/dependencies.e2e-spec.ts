/**
 * The console's dependency views in a real browser (Chromium) against a real master with its
 * own worker (ROLE=all): the job page draws the job's upstream and downstream (dagre layout,
 * SVG) and names a dangling parent; the graph page draws the namespace's graph; a child run's
 * page links the parent run that triggered it; the editor keeps what it has no field for.
 */
import type { Page } from 'playwright-core';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { Browser, launchBrowser, screenshot } from './browser';
import { apiCall, buildConsole, login } from './console-app';

const ADMIN = `console-deps-${Date.now()}-token`;

jest.setTimeout(180_000);

describe('console: job dependencies', () => {
  let app: AppProcess;
  let browser: Browser;
  let page: Page;
  const post = (path: string, body?: unknown) => apiCall(app, ADMIN, 'POST', path, body);

  beforeAll(async () => {
    buildConsole();
    app = await startApp(
      appEnv(isolationId('consoledeps'), { ROLE: 'all', CRON_ADMIN_TOKEN: ADMIN }),
    );
    await post('/jobs', { name: 'extract', command: 'true', cronExpr: '@yearly' });
    await post('/jobs', { name: 'transform', command: 'true', after: [{ job: 'extract' }] });
    await post('/jobs', {
      name: 'report',
      command: 'true',
      after: [{ job: 'transform', on: 'completed' }, { job: 'billing' }],
    });
    browser = await launchBrowser();
    page = await browser.page(1280);
    await login(page, app, ADMIN);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const nodes = async (): Promise<string[]> =>
    (
      await page
        .locator('svg.dep-graph .dep-node')
        .evaluateAll((els) => els.map((el) => el.getAttribute('data-job') ?? ''))
    ).sort();
  const edges = async (): Promise<string[]> =>
    (
      await page
        .locator('svg.dep-graph .dep-edge')
        .evaluateAll((els) => els.map((el) => el.getAttribute('data-edge') ?? ''))
    ).sort();

  it("draws a job's upstream and downstream and names its dangling parent", async () => {
    await page.goto(`${app.baseUrl}/jobs/transform`);
    await page.getByTestId('job-dependencies').waitFor();
    expect(await nodes()).toEqual(['extract', 'report', 'transform']);
    expect(await edges()).toEqual(['extract->transform', 'transform->report']);
    await screenshot(page, 'job-dependencies-1280');
    await page.goto(`${app.baseUrl}/jobs/report`);
    await page.getByTestId('dangling-parents').waitFor();
    expect(await page.getByTestId('dangling-parents').textContent()).toContain('billing');
    expect(await page.locator('.dep-node.dangling').getAttribute('data-job')).toBe('billing');
    // The schedule says the job has none of its own.
    expect(await page.getByText('none: runs after its upstream jobs, or by hand').count()).toBe(1);
    // A parent shows its downstream.
    await page.goto(`${app.baseUrl}/jobs/extract`);
    await page.getByRole('heading', { name: 'extract' }).waitFor();
    await page.getByTestId('job-dependencies').waitFor();
    expect(await edges()).toEqual(['extract->transform']);
  });

  it('draws the namespace graph on its page, with links to the jobs', async () => {
    await page.goto(`${app.baseUrl}/dependencies`);
    await page.getByRole('heading', { name: 'Dependencies', exact: true }).waitFor();
    await page.locator('svg.dep-graph').waitFor();
    expect(await nodes()).toEqual(['billing', 'extract', 'report', 'transform']);
    expect(await edges()).toEqual(['billing->report', 'extract->transform', 'transform->report']);
    // Each node sits right of its parents (left to right layout).
    const x = async (job: string) =>
      Number(await page.locator(`.dep-node[data-job="${job}"] rect`).getAttribute('x'));
    expect(await x('extract')).toBeLessThan(await x('transform'));
    expect(await x('transform')).toBeLessThan(await x('report'));
    await screenshot(page, 'dependencies-1280');
    await page.locator('.dep-node[data-job="transform"]').click();
    await page.waitForURL(/\/jobs\/transform$/);
  });

  it('links a child run to the parent run that triggered it', async () => {
    const { runId } = (await post('/jobs/extract/run')) as { runId: string };
    let child: { runId: string } | undefined;
    const deadline = Date.now() + 30_000;
    while (!child && Date.now() < deadline) {
      const runs = await apiCall<{ items: { runId: string; parentRunId?: string }[] }>(
        app,
        ADMIN,
        'GET',
        '/jobs/transform/runs',
      );
      child = runs.items.find((run) => run.parentRunId === runId);
      if (!child) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(child).toBeDefined();
    await page.goto(`${app.baseUrl}/runs/${encodeURIComponent(child!.runId)}`);
    const link = page.getByTestId('parent-run');
    await link.waitFor();
    expect(await link.textContent()).toBe(`extract run ${runId}`);
    await link.click();
    await page.waitForURL(
      new RegExp(`/runs/${encodeURIComponent(runId).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`),
    );
    expect(browser.dialogs).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });

  it('saving in the editor keeps what the form has no field for: the request, the parents, the labels', async () => {
    const http = {
      name: 'notify',
      cronExpr: '@yearly',
      labels: { team: 'payments' },
      executor: { type: 'http', method: 'POST', url: 'http://127.0.0.1:9/hook', body: '{}' },
      after: [{ job: 'report', on: 'completed' }],
    };
    await post('/jobs', http);
    type Stored = Record<string, unknown> & { revision: number };
    const before = await apiCall<Stored>(app, ADMIN, 'GET', '/jobs/notify');
    await page.goto(`${app.baseUrl}/jobs/notify/edit`);
    await page.fill('#description', 'edited in the console');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(/\/jobs\/notify$/);
    const after = await apiCall<Stored>(app, ADMIN, 'GET', '/jobs/notify');
    expect(after.revision).toBeGreaterThan(before.revision);
    expect(after).toMatchObject({
      description: 'edited in the console',
      labels: before.labels,
      executor: before.executor,
      after: before.after,
    });
    expect(browser.pageErrors).toEqual([]);
  });
});
