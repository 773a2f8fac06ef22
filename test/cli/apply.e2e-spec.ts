/**
 * Jobs as code against real masters: `cronplane apply` (create, re-apply, dry-run diff, prune,
 * bad files, a change between plan and apply) and `cronplane export` (round trip onto an empty
 * cluster), run as real child processes; the managed-job rules of the API and the job-file
 * schema it publishes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { ApiClient, ErrorBody } from '../api/api-client';
import { cli, lines, ROOT } from './support/cli';

const TOKEN = 'e2e-cli-apply-admin-token-0123456789';
const REPO_URL = 'https://example.com/ops/jobs.git';
const MANAGER = `git:${REPO_URL}`;

interface Job {
  name: string;
  command: string;
  cronExpr: string;
  timezone: string;
  enabled: boolean;
  labels?: Record<string, string>;
  env: Record<string, string>;
  retries: { max: number; backoffSeconds: number; factor: number };
  target: { labels: Record<string, string>; mode: string };
  managedBy?: string;
  revision: number;
}

interface AuditEntry {
  action: string;
  job?: string;
  override?: string;
  managedBy?: string;
  tokenName: string;
}

function write(root: string, path: string, text: string): string {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
  return full;
}

/** A git repository of job files whose origin URL carries a credential (never to be shown). */
function jobRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cronplane-jobs-'));
  execFileSync('git', ['init', '-q', dir]);
  execFileSync('git', [
    '-C',
    dir,
    'remote',
    'add',
    'origin',
    'https://deploy:s3cret-token@example.com/ops/jobs.git',
  ]);
  return dir;
}

const BACKUP = `# yaml-language-server: $schema=../schema.json
name: backup
description: nightly database backup
labels: { team: ops, tier: gold }
command: pg_dump app > /var/backups/app.sql
cronExpr: "0 1 * * *"
timezone: Europe/Berlin
retries: { max: 2 }
env: { PGHOST: db.internal }
---
name: backup-verify
command: pg_restore --list /var/backups/app.sql
cronExpr: "30 1 * * *"
labels: { team: ops }
`;

const REPORT_JSON = `[
  { "name": "report", "command": "make report", "cronExpr": "@daily", "labels": { "team": "bi" } }
]
`;

describe('cronplane apply and export', () => {
  let app: AppProcess;
  let api: ApiClient;
  let env: Record<string, string>;
  let repo: string;

  beforeAll(async () => {
    app = await startApp(
      appEnv(isolationId('cliapply'), { ROLE: 'master', CRON_ADMIN_TOKEN: TOKEN }),
    );
    api = new ApiClient(app.baseUrl, TOKEN);
    env = { CRONPLANE_URL: app.baseUrl, CRONPLANE_TOKEN: TOKEN };
    repo = jobRepo();
    write(repo, 'db/backup.yaml', BACKUP);
    write(repo, 'bi/report.json', REPORT_JSON);
    write(repo, 'README.md', 'not a job file');
    // Jobs the files do not manage: one of nobody, one of another repository.
    expect(
      (await api.post('/api/v1/jobs', { name: 'by-hand', command: 'true', cronExpr: '@hourly' }))
        .status,
    ).toBe(201);
    expect(
      (
        await api.post('/api/v1/jobs', {
          name: 'other-repo',
          command: 'true',
          cronExpr: '@hourly',
          managedBy: 'git:https://example.com/other.git',
        })
      ).status,
    ).toBe(201);
  });

  afterAll(async () => {
    await app?.stop();
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  async function job(name: string): Promise<Job | undefined> {
    const reply = await api.get<Job>(`/api/v1/jobs/${name}`);
    return reply.status === 200 ? reply.body : undefined;
  }

  async function revisions(): Promise<Record<string, number>> {
    const page = await api.get<{ items: Job[] }>('/api/v1/jobs?limit=500');
    return Object.fromEntries(page.body.items.map((j) => [j.name, j.revision]));
  }

  it('applies a directory: every document of every file, managed by the git remote without its credential', async () => {
    const result = await cli(['apply', '-f', repo], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // Files in sorted path order (bi/ before db/), documents in file order.
    expect(lines(result.stdout)).toEqual([
      'created report',
      'created backup',
      'created backup-verify',
      '3 created, 0 updated, 0 deleted, 0 unchanged',
    ]);
    const backup = await job('backup');
    expect(backup).toMatchObject({
      command: 'pg_dump app > /var/backups/app.sql',
      cronExpr: '0 1 * * *',
      timezone: 'Europe/Berlin',
      labels: { team: 'ops', tier: 'gold' },
      env: { PGHOST: 'db.internal' },
      retries: { max: 2, backoffSeconds: 10, factor: 2 },
      managedBy: MANAGER,
    });
    expect((await job('report'))?.managedBy).toBe(MANAGER);
    expect(JSON.stringify(await revisions())).not.toContain('s3cret');
  });

  it('re-applying changes nothing and says so', async () => {
    const before = await revisions();
    const result = await cli(['apply', '-f', repo], { env });
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual(['no changes: 3 unchanged']);
    expect(await revisions()).toEqual(before);
  });

  it('--dry-run prints the field-level diff, with --prune the deletes, and changes nothing', async () => {
    write(
      repo,
      'db/backup.yaml',
      BACKUP.replace('"0 1 * * *"', '"0 2 * * *"')
        .replace('{ PGHOST: db.internal }', '{ PGHOST: db.internal, PGPASSWORD: hunter2 }')
        .replace(/---[\s\S]*$/, ''),
    );
    write(
      repo,
      'misc/cleanup.yml',
      'name: cleanup\ncommand: rm -rf /tmp/app\ncronExpr: "@weekly"\n',
    );
    const before = await revisions();
    const result = await cli(['apply', '-f', repo, '--dry-run', '--prune'], { env });
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual([
      `manager: ${MANAGER}`,
      `= unchanged  report`,
      `~ update     backup  (${repo}/db/backup.yaml, document 1)`,
      '      cronExpr: "0 1 * * *" → "0 2 * * *"',
      '      env.PGPASSWORD: added (value hidden)',
      `+ create     cleanup  (${repo}/misc/cleanup.yml, document 1)`,
      '- delete     backup-verify  (no longer in the files)',
      'dry run: 1 to create, 1 to update, 1 to delete, 1 unchanged; nothing was changed',
    ]);
    expect(result.stdout).not.toContain('hunter2');
    expect(await revisions()).toEqual(before);
  });

  it('--prune deletes only the jobs of this manager that left the files', async () => {
    const result = await cli(['apply', '-f', repo, '--prune'], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual([
      'updated backup: cronExpr, env.PGPASSWORD',
      'created cleanup',
      'deleted backup-verify',
      '1 created, 1 updated, 1 deleted, 1 unchanged',
    ]);
    expect(Object.keys(await revisions()).sort()).toEqual([
      'backup',
      'by-hand',
      'cleanup',
      'other-repo',
      'report',
    ]);
    expect((await job('backup'))?.cronExpr).toBe('0 2 * * *');
  });

  it('bad files: every problem names its file, document and field, and nothing is applied', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'cronplane-bad-'));
    write(bad, 'a-good.yaml', 'name: fine\ncommand: "true"\ncronExpr: "@daily"\n');
    write(
      bad,
      'b-fields.yaml',
      [
        'name: ok-one\ncommand: "true"\ncronExpr: "@daily"',
        'name: typo\ncommand: "true"\ncronExpr: "@daily"\ncomand: "oops"\nretries: { max: 500 }',
        'name: bad-cron\ncommand: "true"\ncronExpr: "61 * * * *"',
        'name: fine\ncommand: "true"\ncronExpr: "@daily"',
        'name: sneaky\ncommand: "true"\ncronExpr: "@daily"\nmanagedBy: someone',
      ].join('\n---\n'),
    );
    write(bad, 'c-broken.yaml', 'name: broken\ncommand: [unclosed\n');
    write(bad, 'd-taken.json', '{"name": "other-repo", "command": "true", "cronExpr": "@daily"}');
    const before = await revisions();
    const result = await cli(['apply', '-f', bad], { env });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const errors = lines(result.stderr);
    const at = (file: string): string => join(bad, file);
    expect(errors).toEqual([
      `${at('b-fields.yaml')}: document 2: comand: is not allowed (unknown field)`,
      `${at('b-fields.yaml')}: document 2: retries.max: must be an integer from 0 to 100`,
      `${at('b-fields.yaml')}: document 3: cronExpr: Constraint error, got value 61 expected range 0-59`,
      `${at('b-fields.yaml')}: document 4: name: job "fine" is also defined in ${at('a-good.yaml')} (document 1)`,
      `${at('b-fields.yaml')}: document 5: managedBy: is set by cronplane apply (--manager), not in files`,
      `${at('c-broken.yaml')}: document 1: is not valid YAML (line 3, column 1): Flow sequence in block collection must be sufficiently indented and end with a ]`,
      'cronplane: 6 problems found; nothing was applied',
    ]);
    expect(await revisions()).toEqual(before);

    // Once the files are valid, a job of another manager is still refused before anything changes.
    rmSync(at('b-fields.yaml'));
    rmSync(at('c-broken.yaml'));
    const taken = await cli(['apply', '-f', bad, '--manager', 'file:bad'], { env });
    expect(taken.code).toBe(1);
    expect(lines(taken.stderr)).toEqual([
      `${at('d-taken.json')}: document 1: name: job "other-repo" is managed by git:https://example.com/other.git, not file:bad; change it there (or pass --override <reason>)`,
      'cronplane: 1 problem found; nothing was applied',
    ]);
    expect(await revisions()).toEqual(before);
    rmSync(bad, { recursive: true, force: true });
  });

  it('a change between plan and apply: the update sends the planned ETag, gets 412 and stops with one line', async () => {
    write(
      repo,
      'misc/cleanup.yml',
      'name: cleanup\ncommand: rm -rf /tmp/app2\ncronExpr: "@weekly"\n',
    );
    // A proxy that lets someone else edit the job just before the CLI's PUT reaches the master.
    let seen: string | undefined;
    const proxy: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void (async () => {
          if (req.method === 'PUT') {
            seen = String(req.headers['if-match']);
            const edit = await api.patch(
              '/api/v1/jobs/cleanup',
              { description: 'edited meanwhile' },
              { headers: { 'X-Cronplane-Override': 'incident 42' } },
            );
            expect(edit.status).toBe(200);
          }
          const headers = { ...req.headers } as Record<string, string>;
          delete headers.host;
          const upstream = await fetch(`${app.baseUrl}${req.url}`, {
            method: req.method,
            headers,
            body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
          });
          res.writeHead(upstream.status, { 'content-type': 'application/json' });
          res.end(Buffer.from(await upstream.arrayBuffer()));
        })();
      });
    });
    await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
    const port = (proxy.address() as { port: number }).port;
    try {
      const planned = (await job('cleanup'))?.revision;
      const result = await cli(['apply', '-f', repo], {
        env: { ...env, CRONPLANE_URL: `http://127.0.0.1:${port}` },
      });
      expect(result.code).toBe(1);
      expect(seen).toBe(`"${planned}"`);
      expect(lines(result.stderr)).toEqual([
        `cronplane: job "cleanup" was changed by someone else since it was read (revision ${planned}); stopped, run apply again to see the new plan`,
      ]);
      // The other edit stands; the file's change did not overwrite it.
      expect(await job('cleanup')).toMatchObject({
        description: 'edited meanwhile',
        command: 'rm -rf /tmp/app',
      });
    } finally {
      await new Promise((done) => proxy.close(done));
    }
    // Applying again puts the files' version back.
    const again = await cli(['apply', '-f', repo], { env });
    expect(again.code).toBe(0);
    expect(lines(again.stdout)[0]).toBe('updated cleanup: description, command');
  });

  it('an API edit of a managed job needs the override header, which the audit log records', async () => {
    const put = await api.put<ErrorBody>('/api/v1/jobs/report', {
      command: 'make other',
      cronExpr: '@daily',
    });
    expect(put.status).toBe(409);
    expect(put.body.message).toBe(
      `job "report" is managed by ${MANAGER}: change it in its files, or send the header X-Cronplane-Override: <reason>`,
    );
    expect(put.body.details).toEqual([
      { field: 'managedBy', reason: `the job is managed by ${MANAGER}` },
    ]);
    expect((await api.patch('/api/v1/jobs/report', { enabled: false })).status).toBe(409);
    expect((await api.delete('/api/v1/jobs/report')).status).toBe(409);
    expect((await job('report'))?.command).toBe('make report');

    const patched = await api.patch<Job>(
      '/api/v1/jobs/report',
      { description: 'hotfix' },
      { headers: { 'X-Cronplane-Override': 'INC-7: report floods the mail server' } },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.managedBy).toBe(MANAGER);
    const audit = await api.get<{ items: AuditEntry[] }>(
      '/api/v1/audit?job=report&action=job.update',
    );
    expect(audit.body.items[0]).toMatchObject({
      action: 'job.update',
      job: 'report',
      override: 'INC-7: report floods the mail server',
      managedBy: MANAGER,
    });
    // The manager itself needs no override.
    const own = await api.patch(
      '/api/v1/jobs/report',
      { description: '' },
      {
        headers: { 'X-Cronplane-Manager': MANAGER },
      },
    );
    expect(own.status).toBe(200);
  });

  it('cronplane delete of a managed job says how to override, and --override deletes it and is audited', async () => {
    const created = await api.post('/api/v1/jobs', {
      name: 'retiring',
      command: 'true',
      cronExpr: '@hourly',
      managedBy: MANAGER,
    });
    expect(created.status).toBe(201);
    const refused = await cli(['delete', 'retiring', '--yes'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('or pass --override <reason>');
    expect(await job('retiring')).toBeDefined();
    const deleted = await cli(['delete', 'retiring', '--yes', '--override', 'CHG-12: retired'], {
      env,
    });
    expect(deleted).toMatchObject({ code: 0, stdout: 'job retiring deleted\n' });
    expect(await job('retiring')).toBeUndefined();
    const audit = await api.get<{ items: AuditEntry[] }>(
      '/api/v1/audit?job=retiring&action=job.delete',
    );
    expect(audit.body.items[0]).toMatchObject({ override: 'CHG-12: retired', managedBy: MANAGER });
  });

  it('export → apply on an empty cluster → export gives the same bytes; --selector picks by label', async () => {
    const first = await cli(['export'], { env });
    expect(first.code).toBe(0);
    expect(first.stdout).not.toContain('managedBy');
    expect(first.stdout).not.toContain('revision');
    expect(first.stdout).not.toContain('createdAt');
    const empty = await startApp(
      appEnv(isolationId('cliempty'), { ROLE: 'master', CRON_ADMIN_TOKEN: TOKEN }),
    );
    const dir = mkdtempSync(join(tmpdir(), 'cronplane-export-'));
    try {
      const emptyEnv = { CRONPLANE_URL: empty.baseUrl, CRONPLANE_TOKEN: TOKEN };
      const file = write(dir, 'all.yaml', first.stdout);
      const applied = await cli(['apply', '-f', file, '--manager', 'file:export'], {
        env: emptyEnv,
      });
      expect(applied.code).toBe(0);
      expect(lines(applied.stdout).pop()).toBe('5 created, 0 updated, 0 deleted, 0 unchanged');
      const second = await cli(['export'], { env: emptyEnv });
      expect(second.stdout).toBe(first.stdout);
      const json = await cli(['export', '-o', 'json'], { env });
      const jsonAgain = await cli(['export', '-o', 'json'], { env: emptyEnv });
      expect(jsonAgain.stdout).toBe(json.stdout);

      const ops = await cli(['export', '--selector', 'team=ops', '--dir', join(dir, 'ops')], {
        env,
      });
      expect(ops.code).toBe(0);
      expect(readFileSync(join(dir, 'ops', 'backup.yaml'), 'utf8')).toContain('name: backup\n');
      const reapplied = await cli(['apply', '-f', join(dir, 'ops'), '--manager', 'file:export'], {
        env: emptyEnv,
      });
      expect(lines(reapplied.stdout)).toEqual(['no changes: 1 unchanged']);
    } finally {
      await empty.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('publishes the job-file schema, equal to docs/job-file.schema.json, without a token', async () => {
    const reply = await fetch(`${app.baseUrl}/api/v1/schema/job-file.json`);
    expect(reply.status).toBe(200);
    const committed = JSON.parse(readFileSync(join(ROOT, 'docs', 'job-file.schema.json'), 'utf8'));
    expect(await reply.json()).toEqual(committed);
  });

  it('GET /jobs?selector=k=v lists by the jobs own labels', async () => {
    const page = await api.get<{ items: Job[] }>('/api/v1/jobs?selector=team=ops');
    expect(page.body.items.map((j) => j.name)).toEqual(['backup']);
  });
});
