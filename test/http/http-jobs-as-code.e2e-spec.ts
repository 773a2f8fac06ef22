import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { cli, lines } from '../cli/support/cli';

const TOKEN = 'e2e-http-jobs-as-code-token-0123456789';

const FILE = `name: ping
cronExpr: '*/5 * * * *'
executor:
  type: http
  method: POST
  url: https://billing.internal/hook
  headers: { Authorization: { secretRef: api-token }, Content-Type: application/json }
  body: '{"a": 1}'
  expectStatus: ['2xx', 304]
  followRedirects: 2
`;

/** An HTTP job through apply, get, describe and export, and an export applied elsewhere. */
describe('HTTP jobs as code and in the CLI', () => {
  let app: AppProcess;
  let other: AppProcess;
  let dir: string;
  const envOf = (a: AppProcess) => ({ CRONPLANE_URL: a.baseUrl, CRONPLANE_TOKEN: TOKEN });

  beforeAll(async () => {
    [app, other] = await Promise.all([
      startApp(appEnv(isolationId('httpcode'), { ROLE: 'master', CRON_ADMIN_TOKEN: TOKEN })),
      startApp(appEnv(isolationId('httpcode2'), { ROLE: 'master', CRON_ADMIN_TOKEN: TOKEN })),
    ]);
    dir = mkdtempSync(join(tmpdir(), 'cronplane-http-'));
  });

  afterAll(async () => {
    await Promise.all([app?.stop(), other?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('apply, get, describe, export, and the export applies unchanged elsewhere', async () => {
    const file = join(dir, 'ping.yaml');
    writeFileSync(file, FILE);
    const applied = await cli(['apply', '-f', file], { env: envOf(app) });
    expect(applied.stderr).toBe('');
    expect(lines(applied.stdout).pop()).toBe('1 created, 0 updated, 0 deleted, 0 unchanged');
    const again = await cli(['apply', '-f', file], { env: envOf(app) });
    expect(lines(again.stdout).pop()).toBe('no changes: 1 unchanged');

    const get = await cli(['get', 'jobs'], { env: envOf(app) });
    const row = lines(get.stdout)[1].split(/\s{2,}/);
    expect(row[0]).toBe('ping');
    expect(row.slice(-2)).toEqual(['http', 'POST https://billing.internal/hook']);
    const describe = await cli(['describe', 'job', 'ping'], { env: envOf(app) });
    expect(describe.stdout).toMatch(/Request:\s+POST https:\/\/billing\.internal\/hook/);
    expect(describe.stdout).toMatch(/Expects:\s+2xx, 304/);
    expect(describe.stdout).not.toMatch(/^Command:/m);

    const exported = await cli(['export'], { env: envOf(app) });
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('type: http');
    expect(exported.stdout).toContain('secretRef: api-token');
    expect(exported.stdout).not.toMatch(/^command:/m);
    const copy = join(dir, 'export.yaml');
    writeFileSync(copy, exported.stdout);
    const elsewhere = await cli(['apply', '-f', copy], { env: envOf(other) });
    expect(lines(elsewhere.stdout).pop()).toBe('1 created, 0 updated, 0 deleted, 0 unchanged');
    expect((await cli(['export'], { env: envOf(other) })).stdout).toBe(exported.stdout);
  });
});
