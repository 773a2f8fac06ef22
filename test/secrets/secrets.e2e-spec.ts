import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { ApiClient, eventually } from '../api/api-client';
import { cli } from '../cli/support/cli';
import { launchBrowser, pageContents } from '../console/browser';
import { buildConsole, login } from '../console/console-app';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId, testStack } from '../support/env';

const ADMIN = 'e2e-admin-token-secrets-0123456789';
/** The value under test; it must never show anywhere but in the command's own environment. */
const VALUE = `hunter-${randomBytes(6).toString('hex')}`;

interface RunBody {
  runId: string;
  status: string;
  output?: string;
  error?: string;
}

/**
 * Secrets end to end: write-only through the API and the CLI, encrypted in etcd, given to the
 * command only, masked in its output (whole, and cut between two writes), a missing one failing
 * the run with the reason, and a key rotation after which the value still reads.
 */
describe('secrets', () => {
  const id = isolationId('secrets');
  const prefix = `/t/${id}/`;
  const dir = mkdtempSync(join(tmpdir(), 'cronplane-secrets-'));
  const oldKey = join(dir, 'old.key');
  const newKey = join(dir, 'new.key');
  writeFileSync(oldKey, randomBytes(32));
  writeFileSync(newKey, `${randomBytes(32).toString('base64')}\n`);
  let app: AppProcess | undefined;
  let api: ApiClient;
  let etcd: Etcd3;
  const outputs: string[] = [];

  const start = async (env: Record<string, string>): Promise<void> => {
    if (app) outputs.push(app.output());
    await app?.stop();
    app = await startApp(appEnv(id, { ROLE: 'all', CRON_ADMIN_TOKEN: ADMIN, ...env }));
    api = new ApiClient(app.baseUrl, ADMIN);
  };

  const runOnce = async (job: string): Promise<RunBody> => {
    const { body } = await api.post<{ runId: string }>(`/api/v1/jobs/${job}/run`);
    let run: RunBody | undefined;
    await eventually(async () => {
      const reply = await api.get<RunBody>(`/api/v1/runs/${encodeURIComponent(body.runId)}`);
      if (reply.status === 200 && reply.body.status !== 'running') run = reply.body;
      return run !== undefined;
    }, 30000);
    return run!;
  };

  beforeAll(async () => {
    // The console the last test opens (built first: the build holds this process for seconds).
    buildConsole();
    etcd = new Etcd3({ hosts: testStack().etcdEndpoints.split(',') });
    await start({ CRON_SECRETS_KEY_FILE: oldKey });
  }, 120_000);

  afterAll(async () => {
    await app?.stop();
    etcd?.close();
  });

  it('is write-only: set, listed by name with who and when, never shown, sealed in etcd', async () => {
    const put = await api.put<Record<string, unknown>>(
      '/api/v1/namespaces/default/secrets/db-password',
      {
        value: VALUE,
      },
    );
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      name: 'db-password',
      namespace: 'default',
      updatedAt: expect.any(String),
      updatedBy: 'bootstrap-admin',
    });
    const list = await api.get<unknown[]>('/api/v1/namespaces/default/secrets');
    expect(list.body).toEqual([put.body]);
    expect(list.text).not.toContain(VALUE);
    const stored = (await etcd.get(`${prefix}secrets/default/db-password`).string()) ?? '';
    expect(stored).toMatch(/"ciphertext"/);
    expect(stored).not.toContain(VALUE);
    expect(stored).not.toContain(Buffer.from(VALUE).toString('base64'));
    const bad = await api.put<{ details: { field: string }[] }>(
      '/api/v1/namespaces/default/secrets/db-password',
      { value: '' },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([expect.objectContaining({ field: 'value' })]);
    expect((await api.get('/api/v1/namespaces/nope/secrets')).status).toBe(404);
  });

  it('reaches the command only, masked in its output, whole or cut between two writes', async () => {
    const half = Math.floor(VALUE.length / 2);
    const created = await api.post('/api/v1/jobs', {
      name: 'uses-secret',
      cronExpr: '@yearly',
      env: { DB_PASSWORD: { secretRef: 'db-password' } },
      // Whole, then cut between two writes with a pause, then its length (proving it was there).
      command: `echo "pw=$DB_PASSWORD"; printf %s "${VALUE.slice(0, half)}"; sleep 0.3; printf '%s\\n' "${VALUE.slice(half)}"; echo "len=\${#DB_PASSWORD}"`,
    });
    expect(created.status).toBe(201);
    const job = await api.get<{ env: unknown }>('/api/v1/jobs/uses-secret');
    expect(job.body.env).toEqual({ DB_PASSWORD: { secretRef: 'db-password' } });
    const run = await runOnce('uses-secret');
    expect(run.status).toBe('succeeded');
    expect(run.output).toBe(`pw=***\n***\nlen=${VALUE.length}\n`);
  });

  it("reaches an HTTP job's request header only: the server gets it, the run's output masks it", async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(String(req.headers.authorization));
      // Echoed back, so the run's output (status line, headers, body) carries it twice.
      res.writeHead(200, { 'x-echo': String(req.headers.authorization) });
      res.end(`you sent ${String(req.headers.authorization)}\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const created = await api.post('/api/v1/jobs', {
        name: 'http-secret',
        cronExpr: '@yearly',
        executor: {
          type: 'http',
          method: 'GET',
          url: `http://127.0.0.1:${port}/`,
          headers: { Authorization: { secretRef: 'db-password' } },
        },
      });
      expect(created.status).toBe(201);
      const job = await api.get<{ executor: { headers: unknown } }>('/api/v1/jobs/http-secret');
      expect(job.body.executor.headers).toEqual({ Authorization: { secretRef: 'db-password' } });
      expect(job.text).not.toContain(VALUE);
      const run = await runOnce('http-secret');
      expect(run.status).toBe('succeeded');
      expect(seen).toEqual([VALUE]);
      expect(run.output).toContain('x-echo: ***');
      expect(run.output).toContain('you sent ***');
      expect(run.output).not.toContain(VALUE);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('fails a run that names a missing secret, saying which; the job is shown dangling', async () => {
    const created = await api.post('/api/v1/jobs', {
      name: 'dangling',
      cronExpr: '@yearly',
      command: 'echo should not run',
      env: { TOKEN: { secretRef: 'not-yet' } },
    });
    expect(created.status).toBe(201);
    const detail = await api.get<{ danglingSecrets: string[] }>('/api/v1/jobs/dangling');
    expect(detail.body.danglingSecrets).toEqual(['not-yet']);
    const run = await runOnce('dangling');
    expect(run).toMatchObject({
      status: 'failed',
      error: 'could not start: secret "not-yet" (for TOKEN) does not exist in namespace "default"',
      output: '',
    });
  });

  it('rotates the key (cronplane secrets rotate-key): the value still reads under the new key alone', async () => {
    await start({ CRON_SECRETS_KEY_FILE: newKey, CRON_SECRETS_PREVIOUS_KEY_FILE: oldKey });
    const env = { CRONPLANE_URL: app!.baseUrl, CRONPLANE_TOKEN: ADMIN };
    const rotated = await cli(['secrets', 'rotate-key'], { env });
    expect(rotated).toMatchObject({ code: 0 });
    expect(rotated.stdout.trim()).toBe('1 secret(s) re-encrypted, 0 already under the current key');
    // A secret set through the CLI, from stdin.
    const set = await cli(['secrets', 'set', 'api-key'], { env, input: `${VALUE}-2\n` });
    expect(set.code).toBe(0);
    const listed = await cli(['secrets', 'list', '-o', 'json'], { env });
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((s) => s.name)).toEqual([
      'api-key',
      'db-password',
    ]);
    await start({ CRON_SECRETS_KEY_FILE: newKey });
    const run = await runOnce('uses-secret');
    expect(run.status).toBe('succeeded');
    expect(run.output).toBe(`pw=***\n***\nlen=${VALUE.length}\n`);
  }, 90_000);

  it('never shows the value in logs, answers, the audit log, alerts or /metrics', async () => {
    const audit = await api.get<{ items: { action: string }[] }>('/api/v1/audit?limit=200');
    expect(audit.body.items.map((e) => e.action)).toEqual(
      expect.arrayContaining(['secret.put', 'secrets.rotate']),
    );
    expect(audit.text).not.toContain(VALUE);
    const metrics = await fetch(`${app!.baseUrl}/metrics`);
    expect(await metrics.text()).not.toContain(VALUE);
    const answers = await Promise.all(
      [
        '/api/v1/jobs',
        '/api/v1/jobs/uses-secret',
        '/api/v1/jobs/uses-secret/runs',
        '/api/v1/alerts',
      ].map(async (path) => (await api.get(path)).text),
    );
    for (const text of answers) expect(text).not.toContain(VALUE);
    for (const output of [...outputs, app!.output()]) expect(output).not.toContain(VALUE);
  });

  it('never shows the value in the console: jobs, the job and its editor, a run, the history diff, the audit log', async () => {
    // A second version of the job, so its history has a diff to show.
    expect((await api.patch('/api/v1/jobs/uses-secret', { description: 'v2' })).status).toBe(200);
    const detail = await api.get<{ lastRun: { runId: string } }>('/api/v1/jobs/uses-secret');
    const runId = detail.body.lastRun.runId;
    const browser = await launchBrowser();
    try {
      const page = await browser.page(1280);
      const pages: string[] = [];
      /** The page's DOM and form fields lack the value, and holds `shown` (it is the page loaded, scanned whole). */
      const scan = async (what: string, shown: string): Promise<void> => {
        const html = await pageContents(page);
        expect({ what, leaks: html.includes(VALUE), shows: html.includes(shown) }).toEqual({
          what,
          leaks: false,
          shows: true,
        });
        pages.push(what);
      };
      await login(page, app!, ADMIN);
      await page.getByRole('link', { name: 'uses-secret' }).waitFor();
      await scan('jobs', 'uses-secret');

      await page.goto(`${app!.baseUrl}/jobs/uses-secret`);
      await page.getByRole('list', { name: 'Environment' }).getByText('DB_PASSWORD').waitFor();
      await page.locator('table.runs tbody tr').first().waitFor();
      await scan('job', 'db-password');
      const history = page.getByRole('region', { name: 'History' });
      await history.getByRole('button', { name: 'v1' }).click();
      await history.getByRole('table', { name: 'Changes from version 1 to now' }).waitFor();
      await scan('history diff', '/description');

      await page.goto(`${app!.baseUrl}/jobs/uses-secret/edit`);
      expect(await page.locator('#env').inputValue()).toBe('DB_PASSWORD=secretRef:db-password');
      await scan('editor', 'secretRef:db-password');

      await page.goto(`${app!.baseUrl}/runs/${encodeURIComponent(runId)}`);
      await page.getByTestId('run-output').getByText('pw=***').waitFor();
      await scan('run output', `len=${VALUE.length}`);

      await page.goto(`${app!.baseUrl}/audit`);
      await page
        .getByRole('table', { name: 'Audit log' })
        .getByText('secret.put')
        .first()
        .waitFor();
      await scan('audit', 'secret.put');
      expect(pages).toEqual(['jobs', 'job', 'history diff', 'editor', 'run output', 'audit']);
    } finally {
      await browser.close();
    }
  }, 180_000);
});
