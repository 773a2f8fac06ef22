/**
 * The web console in a real browser (Debian's chromium, headless) against the built app with
 * ROLE=all on the real stack. Screenshots of every page, at 1280 and 390 px, are saved under
 * test-artifacts/console/.
 *
 * Runs are real: the app's own worker (ROLE=all) executes them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { Browser, launchBrowser, screenshot } from './browser';
import { apiCall, buildConsole } from './console-app';

const ADMIN = `console-admin-${Date.now()}-token`;
const XSS = '<img src=x onerror=alert(1)>';

jest.setTimeout(180_000);

/** The master's API, as the tests' admin or another token (the shared helper). */
const api = apiCall;

async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('web console in a real browser', () => {
  let app: AppProcess;
  let browser: Browser;
  let page: Page;
  let viewerToken: string;
  let operatorToken: string;

  beforeAll(async () => {
    buildConsole();
    const id = isolationId('console');
    const env = appEnv(id, {
      ROLE: 'all',
      CRON_ADMIN_TOKEN: ADMIN,
      RUNLOG_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'cronplane-console-spool-')),
    });
    app = await startApp(env);
    await waitFor(
      async () => (await api<unknown[]>(app, ADMIN, 'GET', '/workers')).length > 0,
      30_000,
      "the app's worker to register",
    );
    viewerToken = (
      await api<{ token: string }>(app, ADMIN, 'POST', '/tokens', {
        name: 'console-viewer',
        role: 'viewer',
      })
    ).token;
    operatorToken = (
      await api<{ token: string }>(app, ADMIN, 'POST', '/tokens', {
        name: 'console-operator',
        role: 'operator',
      })
    ).token;
    browser = await launchBrowser();
    page = await browser.page(1280);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function login(target: Page, token: string): Promise<void> {
    await target.goto(`${app.baseUrl}/`);
    await target.waitForURL(/\/login/);
    await target.fill('#token', token);
    await target.press('#token', 'Enter');
    await target.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
  }

  /** Run now from the job page, which then shows the new run; returns its id. */
  async function runNow(job: string): Promise<string> {
    await page.goto(`${app.baseUrl}/jobs/${job}`);
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL(/\/runs\//);
    return decodeURIComponent(new URL(page.url()).pathname.split('/')[2]);
  }

  it('asks for a token, refuses a bad one, and logs in', async () => {
    await page.goto(`${app.baseUrl}/`);
    await page.waitForURL(/\/login/);
    await page.locator('#token').waitFor();
    await screenshot(page, 'login-1280');
    await page.fill('#token', 'not-a-real-token');
    await page.click('button[type=submit]');
    await page.getByText('This token is not valid').waitFor();
    await page.fill('#token', ADMIN);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
    await page.getByText('No jobs yet.').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('cronplane.token')")).toBe(ADMIN);
    await screenshot(page, 'jobs-empty-1280');
  });

  it('creates a job through the form: live preview, inline API errors', async () => {
    await page.getByRole('link', { name: 'New job' }).first().click();
    await page.getByRole('heading', { name: 'New job' }).waitFor();
    await page.fill('#name', 'console-hello');
    await page.fill('#command', "printf '\\033[32mhello\\033[0m from the console\\n'");
    await page.fill('#description', 'Says hello in green');
    await page.fill('#cronExpr', '*/15 9-17 * * 1-5');
    const preview = page.getByTestId('cron-preview');
    await preview.getByText('Every 15 minutes').waitFor();
    await toHaveCount(preview.locator('li'), 5);
    await page.fill('#cronExpr', '61 * * * *');
    await preview.locator('.field-error').waitFor();
    await page.fill('#cronExpr', '*/15 9-17 * * 1-5');
    await preview.locator('li').first().waitFor();
    // The API's validation errors land next to their fields.
    await page.fill('#timezone', 'Mars/Olympus_Mons');
    await page.fill('#retriesMax', '500');
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.locator('#timezone-error').waitFor();
    expect(await page.locator('#timezone-error').textContent()).toContain('IANA time zone');
    expect(await page.locator('#retriesMax-error').textContent()).toContain('from 0 to 100');
    await screenshot(page, 'editor-errors-1280');
    await page.fill('#timezone', 'Europe/Berlin');
    await page.fill('#retriesMax', '1');
    await preview.getByText('Next 5 fire times in Europe/Berlin').waitFor();
    await screenshot(page, 'editor-1280');
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.waitForURL(/\/jobs\/console-hello$/);
    await page.getByRole('heading', { name: /console-hello/ }).waitFor();
    const job = await api<{ timezone: string; retries: { max: number }; description: string }>(
      app,
      ADMIN,
      'GET',
      '/jobs/console-hello',
    );
    expect(job).toMatchObject({
      timezone: 'Europe/Berlin',
      retries: { max: 1 },
      description: 'Says hello in green',
    });
    await screenshot(page, 'job-detail-new-1280');
  });

  it('says so clearly when someone else changed the job meanwhile (revision conflict)', async () => {
    await page.goto(`${app.baseUrl}/jobs/console-hello/edit`);
    await page.locator('#description').waitFor();
    await api(app, ADMIN, 'PATCH', '/jobs/console-hello', { description: 'changed elsewhere' });
    await page.fill('#description', 'my edit');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Someone changed this job after you opened it').waitFor();
    await screenshot(page, 'editor-conflict-1280');
    await page.getByRole('button', { name: 'Reload the current job' }).click();
    await toHaveValue(page.locator('#description'), 'changed elsewhere');
  });

  it('runs the job now, watches it run and opens its output (ANSI colours rendered)', async () => {
    await runNow('console-hello');
    await page.locator('.badge.status-succeeded').waitFor({ timeout: 30_000 });
    const output = page.getByTestId('run-output');
    await output.getByText('hello').waitFor();
    expect(await output.textContent()).toContain('hello from the console');
    expect(await output.textContent()).not.toContain('[32m');
    expect(await output.locator('span.ansi-fg-2').textContent()).toBe('hello');
    await screenshot(page, 'run-detail-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'run-detail-390');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('follows the live output of a long run and kills it', async () => {
    await api(app, ADMIN, 'POST', '/jobs', {
      name: 'console-long',
      command: 'for i in $(seq 1 200); do echo "line $i"; sleep 0.3; done',
      cronExpr: '0 0 1 1 *',
    });
    const runId = await runNow('console-long');
    await page.locator('.badge.status-running').waitFor({ timeout: 30_000 });
    await page.getByText('● live').waitFor();
    // Live lines need GET /runs/{id}/stream on the master (or a worker that writes the output
    // to the run record while it runs, which the console polls when there is no stream).
    const stream = await fetch(`${app.baseUrl}/api/v1/runs/${encodeURIComponent(runId)}/stream`, {
      headers: { authorization: `Bearer ${ADMIN}` },
      signal: AbortSignal.timeout(2000),
    }).catch(() => undefined);
    await stream?.body?.cancel().catch(() => undefined);
    if (stream?.status === 200) {
      await page
        .getByTestId('run-output')
        .getByText('line 4', { exact: false })
        .waitFor({ timeout: 30_000 });
      const shown = (await page.getByTestId('run-output').textContent()) ?? '';
      expect(shown).toMatch(/^line 1\nline 2\nline 3\nline 4/);
    } else {
      process.stderr.write(
        `console e2e: the master has no live stream (${stream?.status}); live lines not checked\n`,
      );
      await page.waitForTimeout(1500);
    }
    await screenshot(page, 'run-live-1280');
    await page.getByRole('button', { name: 'Kill run' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Kill this run?').waitFor();
    await screenshot(page, 'run-kill-confirm-1280');
    await dialog.getByRole('button', { name: 'Kill', exact: true }).click();
    await page.getByText('Kill requested.').waitFor();
    await page.locator('.badge.status-killed').waitFor({ timeout: 30_000 });
    expect(await page.getByText('● live').count()).toBe(0);
    await page.getByTestId('run-output').getByText('line 1', { exact: false }).waitFor();
    await screenshot(page, 'run-killed-1280');
  });

  it('shows a live stream in the format GET /runs/{runId}/stream sends', async () => {
    // The stream's answer is stubbed in the browser (numbered output chunks, as the master's
    // RunStreamController writes them), so this holds whether or not the master mounts it.
    const body = [1, 2, 3]
      .map(
        (seq) =>
          `id: ${seq}\nevent: output\ndata: ${JSON.stringify({ seq, data: `streamed ${seq}\n` })}\n\n`,
      )
      .join(': keep-alive\n\n');
    await page.route('**/api/v1/runs/*/stream', (route) =>
      route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body }),
    );
    try {
      const run = await api<{ runId: string }>(app, ADMIN, 'POST', '/jobs/console-long/run');
      await page.goto(`${app.baseUrl}/runs/${encodeURIComponent(run.runId)}`);
      await page.locator('.badge.status-running').waitFor({ timeout: 30_000 });
      await page.getByTestId('run-output').getByText('streamed 3', { exact: false }).waitFor();
      expect(await page.getByTestId('run-output').textContent()).toMatch(
        /^streamed 1\nstreamed 2\nstreamed 3/,
      );
      await api(app, ADMIN, 'POST', `/runs/${encodeURIComponent(run.runId)}/kill`).catch(
        () => undefined,
      );
      await page.locator('.badge.status-killed').waitFor({ timeout: 30_000 });
    } finally {
      await page.unroute('**/api/v1/runs/*/stream');
    }
  });

  it('shows an error state for a job that does not exist', async () => {
    await page.goto(`${app.baseUrl}/jobs/no-such-job`);
    await page.getByText('There is no job named "no-such-job".').waitFor();
    await page.getByRole('button', { name: 'Try again' }).waitFor();
    await screenshot(page, 'job-missing-1280');
  });

  it('shows run history with status colours, the duration and lateness chart, and filters by status', async () => {
    // Real runs every second for a few seconds: varied durations, every fifth one fails.
    await api(app, ADMIN, 'POST', '/jobs', {
      name: 'console-chart',
      command: 's=$(( $(date +%s) % 5 )); sleep 0.$s; echo "slept 0.$s"; [ $s -ne 0 ]',
      cronExpr: '* * * * * *',
      concurrencyPolicy: 'allow',
    });
    await waitFor(
      async () => {
        const runs = await api<{ items: { status: string }[] }>(
          app,
          ADMIN,
          'GET',
          '/jobs/console-chart/runs',
        );
        const done = runs.items.filter((run) => run.status !== 'running');
        return done.length >= 6 && done.some((run) => run.status === 'failed');
      },
      40_000,
      'six finished runs of console-chart, one failed',
    );
    await api(app, ADMIN, 'POST', '/jobs/console-chart/pause');
    await page.goto(`${app.baseUrl}/jobs/console-chart`);
    await page.getByTestId('run-chart').waitFor();
    expect(await page.locator('[data-testid=run-chart] rect').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('table.runs .badge.status-succeeded').count()).toBeGreaterThanOrEqual(
      1,
    );
    await screenshot(page, 'job-detail-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'job-detail-390');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.selectOption('select[name=run-status]', 'failed');
    await waitFor(
      async () =>
        (await page.locator('table.runs tbody tr .badge:not(.status-failed)').count()) === 0,
      10_000,
      'only failed runs',
    );
    expect(await page.locator('table.runs .badge.status-failed').count()).toBeGreaterThanOrEqual(1);
    await screenshot(page, 'job-detail-failed-1280');
  });

  it('renders user-supplied text as text: markup in names, descriptions, commands and output runs nothing', async () => {
    // A job name cannot hold markup (the API refuses it); the refusal shows the characters.
    await page.goto(`${app.baseUrl}/jobs/new`);
    await page.fill('#name', XSS);
    await page.fill('#command', `echo '${XSS}'`);
    await page.fill('#description', XSS);
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.locator('#name-error').waitFor();
    await page.fill('#name', 'console-xss');
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.waitForURL(/\/jobs\/console-xss$/);
    await page.getByText(XSS).first().waitFor();
    await runNow('console-xss');
    await page.locator('.badge.status-succeeded').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('run-output').textContent()).toContain(XSS);
    // A link to a job with such a name shows the name as text in its error page.
    await page.goto(`${app.baseUrl}/jobs/${encodeURIComponent(XSS)}`);
    await page.getByRole('heading', { name: XSS }).waitFor();
    await page.goto(`${app.baseUrl}/?q=${encodeURIComponent(XSS)}`);
    await page.getByText('A name has only letters').waitFor();
    await page.goto(`${app.baseUrl}/`);
    await page.getByText('console-xss').waitFor();
    await page.getByText(XSS).first().waitFor();
    await rowsLoaded(page);
    await screenshot(page, 'xss-jobs-1280');
    expect(await page.locator('img[src=x]').count()).toBe(0);
    expect(browser.dialogs).toEqual([]);
  });

  it('shows the workers and which master leads', async () => {
    await page.goto(`${app.baseUrl}/workers`);
    await page.getByTestId('leader').waitFor();
    await page.locator('table.workers tbody tr').first().waitFor();
    await waitFor(
      async () => ((await page.getByTestId('leader').textContent()) ?? '').includes('Leader'),
      20_000,
      'a leader',
    );
    await screenshot(page, 'workers-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'workers-390');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('is usable at 390 px: no page scrolls sideways', async () => {
    const narrow = await browser.page(390);
    await login(narrow, ADMIN);
    for (const [path, name] of [
      ['/', 'jobs-390'],
      ['/jobs/console-hello', 'job-detail-top-390'],
      ['/jobs/new', 'editor-390'],
      ['/workers', 'workers-top-390'],
      ['/tokens', 'tokens-390'],
      ['/audit', 'audit-390'],
    ]) {
      await narrow.goto(`${app.baseUrl}${path}`);
      await narrow.locator('main h1').first().waitFor();
      await narrow.waitForTimeout(300);
      const overflow = await narrow.evaluate(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      expect({ path, overflow }).toEqual({ path, overflow: 0 });
      await screenshot(narrow, name);
    }
    await narrow.goto(`${app.baseUrl}/`);
    await narrow.getByText('console-hello').waitFor();
    await rowsLoaded(narrow);
    await screenshot(narrow, 'jobs-390');
    await narrow.close();
  });

  it('is keyboard reachable: log in, open a job and reach its actions with the keyboard', async () => {
    const keys = await browser.page(1280);
    await keys.goto(`${app.baseUrl}/`);
    await keys.locator('#token').waitFor();
    await keys.keyboard.type(ADMIN);
    await keys.keyboard.press('Enter');
    await keys.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
    await keys.getByText('console-hello').waitFor();
    const reached: string[] = [];
    for (let i = 0; i < 20; i++) {
      await keys.keyboard.press('Tab');
      reached.push(
        String(await keys.evaluate("document.activeElement?.textContent?.trim() ?? ''")),
      );
      if (reached[reached.length - 1] === 'console-hello') break;
    }
    expect(reached).toContain('Skip to content');
    expect(reached).toContain('New job');
    expect(reached[reached.length - 1]).toBe('console-hello');
    await keys.keyboard.press('Enter');
    await keys.waitForURL(/\/jobs\/console-hello$/);
    await keys.getByRole('button', { name: 'Run now' }).waitFor();
    await keys.close();
  });

  it('a viewer sees no button that changes anything; an operator no admin ones', async () => {
    const viewer = await browser.page(1280);
    await login(viewer, viewerToken);
    await viewer.getByText('console-hello').waitFor();
    expect(await viewer.getByRole('link', { name: 'New job' }).count()).toBe(0);
    expect(await viewer.locator('.badge.role-viewer').textContent()).toBe('viewer');
    await screenshot(viewer, 'viewer-jobs-1280');
    await viewer.goto(`${app.baseUrl}/jobs/console-hello`);
    await viewer.getByTestId('run-chart').or(viewer.getByText('No runs yet')).first().waitFor();
    for (const name of ['Run now', 'Pause', 'Resume', 'Kill', 'Delete', 'Edit']) {
      expect({ name, count: await viewer.getByRole('button', { name }).count() }).toEqual({
        name,
        count: 0,
      });
      expect({
        name,
        count: await viewer.getByRole('link', { name, exact: true }).count(),
      }).toEqual({ name, count: 0 });
    }
    await screenshot(viewer, 'viewer-job-detail-1280');
    const lastRun = await api<{ lastRun: { runId: string } | null }>(
      app,
      viewerToken,
      'GET',
      '/jobs/console-hello',
    );
    if (lastRun.lastRun) {
      await viewer.goto(`${app.baseUrl}/runs/${encodeURIComponent(lastRun.lastRun.runId)}`);
      await viewer.getByTestId('run-output').waitFor();
      expect(await viewer.getByRole('button', { name: /Kill/ }).count()).toBe(0);
    }
    await viewer.goto(`${app.baseUrl}/jobs/new`);
    await viewer.getByText('Only an admin token can create or change jobs.').waitFor();
    expect(await viewer.locator('form.editor').count()).toBe(0);
    await viewer.getByRole('button', { name: 'Log out' }).click();
    await viewer.waitForURL(/\/login/);
    expect(await viewer.evaluate("sessionStorage.getItem('cronplane.token')")).toBeNull();
    await viewer.close();

    const operator = await browser.page(1280);
    await login(operator, operatorToken);
    await operator.goto(`${app.baseUrl}/jobs/console-hello`);
    await operator.getByRole('button', { name: 'Run now' }).waitFor();
    expect(await operator.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    expect(await operator.getByRole('link', { name: 'Edit', exact: true }).count()).toBe(0);
    await operator.close();
  });

  it('pauses, resumes and deletes a job (with confirmation)', async () => {
    await page.goto(`${app.baseUrl}/jobs/console-long`);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('h1 .badge.paused').waitFor();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('h1 .badge.enabled').waitFor();
    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Delete this job?').waitFor();
    await screenshot(page, 'delete-confirm-1280');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete job' }).click();
    await page.waitForURL(`${app.baseUrl}/`);
    await page.getByText('console-hello').waitFor();
    expect(await page.getByText('console-long').count()).toBe(0);
  });

  it('filters by name, status and label and pages through the list on the server', async () => {
    for (let i = 1; i <= 22; i++) {
      await api(app, ADMIN, 'POST', '/jobs', {
        name: `page-${String(i).padStart(2, '0')}`,
        command: 'true',
        cronExpr: '0 0 1 1 *',
        enabled: i !== 3,
        target: { labels: i === 7 ? { zone: 'eu-1' } : {} },
      });
    }
    const names = () => page.locator('table.jobs a.job-name').allTextContents();
    await page.goto(`${app.baseUrl}/`);
    await page.fill('input[name=q]', 'page-');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/q=page-/);
    await waitFor(
      async () => {
        const shown = await names();
        return shown.length === 20 && shown.every((name) => name.startsWith('page-'));
      },
      10_000,
      'a page of 20 page-* jobs',
    );
    expect((await names())[0]).toBe('page-01');
    await page.getByRole('button', { name: 'Next' }).click();
    await waitFor(async () => (await names()).length === 2, 10_000, 'the last 2');
    expect(await names()).toEqual(['page-21', 'page-22']);
    await page.getByText('Page 2').waitFor();
    await page.getByRole('button', { name: 'Previous' }).click();
    await waitFor(async () => (await names())[0] === 'page-01', 10_000, 'page 1 again');
    await page.selectOption('select[name=status]', 'paused');
    await waitFor(async () => (await names()).join() === 'page-03', 10_000, 'the paused job');
    await page.selectOption('select[name=status]', '');
    await page.fill('input[name=label]', 'zone=eu-1');
    await page.getByRole('button', { name: 'Filter' }).click();
    await waitFor(async () => (await names()).join() === 'page-07', 10_000, 'the labelled job');
    await rowsLoaded(page);
    await screenshot(page, 'jobs-filtered-1280');
    await page.fill('input[name=q]', 'nothing-like-this');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No job matches these filters.').waitFor();
  });

  it('ran without page errors or CSP violations, and no dialog ever opened', () => {
    expect(browser.pageErrors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
    expect(browser.dialogs).toEqual([]);
  });
});

/** Waits until the jobs table has every row's next and last run (they load per row). */
async function rowsLoaded(page: Page): Promise<void> {
  // A locator, not a function: the console's CSP (rightly) refuses evaluated strings.
  const pending = page.getByText('…', { exact: true });
  await waitFor(async () => (await pending.count()) === 0, 15_000, 'every row to load');
}

/** Polls a locator until it has `count` elements. */
async function toHaveCount(locator: { count(): Promise<number> }, count: number): Promise<void> {
  await waitFor(async () => (await locator.count()) === count, 10_000, `${count} elements`);
}

async function toHaveValue(
  locator: { inputValue(): Promise<string> },
  value: string,
): Promise<void> {
  await waitFor(async () => (await locator.inputValue()) === value, 10_000, `the value "${value}"`);
}
