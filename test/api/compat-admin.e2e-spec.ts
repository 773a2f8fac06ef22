/**
 * A master started without CRON_ADMIN_TOKEN: the generated admin token, token management, the
 * OpenAPI document, and the original crontab's API on top of the same services.
 */
import { EtcdKeys } from '../../src/etcd/etcd-keys';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { Db, MongoClient } from 'mongodb';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { ApiClient, ErrorBody, etcdClient, etcdSnapshot, eventually, mongoDb } from './api-client';

const ID = isolationId('apicompat');
const PREFIX = `/t/${ID}/`;
const VALIDATE_CLI = resolve(
  __dirname,
  '..',
  '..',
  'node_modules',
  '@seriousme',
  'openapi-schema-validator',
  'bin',
  'validate-api-cli.js',
);

interface CompatReply<T = unknown> {
  errno: number;
  msg: string;
  data: T;
}

interface TokenBody {
  id: string;
  name: string;
  role: string;
  token: string;
}

function form(fields: Record<string, string>): { body: string; headers: Record<string, string> } {
  return {
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  };
}

describe('master without CRON_ADMIN_TOKEN', () => {
  let app: AppProcess;
  let admin: string;
  let api: ApiClient;
  let etcd: Etcd3;
  let mongo: MongoClient;
  let db: Db;

  beforeAll(async () => {
    app = await startApp(appEnv(ID, { ROLE: 'master' }));
    await eventually(async () =>
      app.logs().some((line) => line.msg === 'bootstrap admin token created'),
    );
    const line = app.logs().find((entry) => entry.msg === 'bootstrap admin token created');
    admin = String(line?.adminToken);
    api = new ApiClient(app.baseUrl, admin);
    etcd = etcdClient();
    ({ client: mongo, db } = await mongoDb(ID));
  });

  afterAll(async () => {
    await app?.stop();
    etcd?.close();
    await mongo?.close();
  });

  describe('bootstrap token', () => {
    it('is printed once, at info, and nowhere else; etcd holds only its hash', async () => {
      expect(admin).toMatch(/^cp_[A-Za-z0-9_-]{32}$/);
      const lines = app.logs().filter((entry) => entry.msg === 'bootstrap admin token created');
      expect(lines).toHaveLength(1);
      expect(lines[0].level).toBe('info');
      // A request carrying the token must not echo it into the request log.
      expect((await api.get('/api/v1/jobs')).status).toBe(200);
      expect(app.output().split(admin).length - 1).toBe(1);
      const stored = await etcd.getAll().prefix(`${PREFIX}tokens/`).strings();
      expect(Object.keys(stored)).toHaveLength(1);
      expect(JSON.stringify(stored)).not.toContain(admin);
      expect(JSON.parse(Object.values(stored)[0])).toMatchObject({
        name: 'bootstrap-admin',
        role: 'admin',
      });
    });

    it('is not generated again by a second master on the same cluster', async () => {
      const second = await startApp(appEnv(ID, { ROLE: 'master' }));
      try {
        await eventually(
          async () =>
            (
              await fetch(`${second.baseUrl}/api/v1/jobs`, {
                headers: { authorization: `Bearer ${admin}` },
              })
            ).ok,
        );
        expect(second.logs().some((entry) => entry.msg === 'bootstrap admin token created')).toBe(
          false,
        );
        expect(await etcd.getAll().prefix(`${PREFIX}tokens/`).keys()).toHaveLength(1);
      } finally {
        await second.stop();
      }
    });
  });

  describe('token management (admin)', () => {
    it('creates a token whose secret is shown once, lists without secrets, revokes it (then 401)', async () => {
      const created = await api.post<TokenBody>('/api/v1/tokens', { name: 'ci', role: 'operator' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'ci',
        role: 'operator',
        createdBy: 'bootstrap-admin',
      });
      const ci = api.withToken(created.body.token);
      expect((await ci.get('/api/v1/jobs')).status).toBe(200);

      const list = await api.get<Record<string, unknown>[]>('/api/v1/tokens');
      expect(list.body.map((token) => token.name)).toEqual(['bootstrap-admin', 'ci']);
      expect(JSON.stringify(list.body)).not.toContain(created.body.token);
      for (const token of list.body) expect(token).not.toHaveProperty('hash');

      const duplicate = await api.post<ErrorBody>('/api/v1/tokens', { name: 'ci', role: 'viewer' });
      expect(duplicate.status).toBe(409);

      expect((await api.delete(`/api/v1/tokens/${created.body.id}`)).status).toBe(200);
      expect((await ci.get('/api/v1/jobs')).status).toBe(401);
      expect((await api.delete(`/api/v1/tokens/${created.body.id}`)).status).toBe(404);
    });

    it('refuses to revoke the last admin token', async () => {
      const list = await api.get<{ id: string; role: string }[]>('/api/v1/tokens');
      const only = list.body.filter((token) => token.role === 'admin');
      expect(only).toHaveLength(1);
      const before = await etcdSnapshot(etcd, PREFIX);
      const refused = await api.delete<ErrorBody>(`/api/v1/tokens/${only[0].id}`);
      expect(refused.status).toBe(409);
      expect(await etcdSnapshot(etcd, PREFIX)).toEqual(before);
    });

    it('audits token changes without the secret', async () => {
      const audit = await api.get<{ items: Record<string, unknown>[] }>('/api/v1/audit');
      const actions = audit.body.items.map((entry) => entry.action);
      expect(actions).toEqual(expect.arrayContaining(['token.create', 'token.revoke']));
      expect(JSON.stringify(audit.body)).not.toMatch(/cp_[A-Za-z0-9_-]{32}/);
    });
  });

  describe('OpenAPI', () => {
    it('/docs-json is a valid OpenAPI 3 document describing every v1 route; /docs serves Swagger UI', async () => {
      const reply = await fetch(`${app.baseUrl}/docs-json`);
      expect(reply.status).toBe(200);
      const document = (await reply.json()) as {
        openapi: string;
        paths: Record<string, Record<string, unknown>>;
      };
      expect(document.openapi).toMatch(/^3\./);
      const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
      try {
        const file = join(dir, 'openapi.json');
        writeFileSync(file, JSON.stringify(document));
        const { stdout } = await promisify(execFile)(process.execPath, [VALIDATE_CLI, file]);
        expect(JSON.parse(stdout)).toEqual({ valid: true });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(routes).toEqual(
        expect.arrayContaining([
          'POST /api/v1/jobs',
          'GET /api/v1/jobs',
          'GET /api/v1/jobs/{name}',
          'PUT /api/v1/jobs/{name}',
          'PATCH /api/v1/jobs/{name}',
          'DELETE /api/v1/jobs/{name}',
          'POST /api/v1/jobs/{name}/pause',
          'POST /api/v1/jobs/{name}/resume',
          'POST /api/v1/jobs/{name}/run',
          'POST /api/v1/jobs/{name}/kill',
          'GET /api/v1/jobs/{name}/runs',
          'GET /api/v1/runs/{runId}',
          'POST /api/v1/runs/{runId}/kill',
          'GET /api/v1/workers',
          'GET /api/v1/cron/preview',
          'POST /api/v1/tokens',
          'GET /api/v1/tokens',
          'DELETE /api/v1/tokens/{id}',
          'GET /api/v1/audit',
        ]),
      );
      // The probes are documented under `health` with both answers; the scrape endpoint is not.
      expect(routes).not.toContain('GET /metrics');
      for (const probe of ['/healthz', '/readyz']) {
        expect(document.paths[probe].get).toMatchObject({
          tags: ['health'],
          responses: { '200': expect.anything(), '503': expect.anything() },
        });
      }
      const ui = await fetch(`${app.baseUrl}/docs`);
      expect(ui.status).toBe(200);
      // Served over plain http, the page must not ask the browser to fetch its scripts by https.
      expect(ui.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
      const json = await fetch(`${app.baseUrl}/api/v1/jobs`);
      expect(json.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
      expect(await ui.text()).toContain('swagger');
    });
  });

  describe("the original crontab's API", () => {
    it('needs the bearer token too (401 in its own shape), and the right role (403)', async () => {
      const anonymous = await api.get<CompatReply>('/job/list', { token: null });
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toMatchObject({ errno: -1, data: null });
      const viewer = await api.post<TokenBody>('/api/v1/tokens', {
        name: 'compat-viewer',
        role: 'viewer',
      });
      const before = await etcdSnapshot(etcd, PREFIX);
      const denied = await api.post<CompatReply>(
        '/job/save',
        { name: 'x', command: 'y', cronExpr: '@daily' },
        { token: viewer.body.token },
      );
      expect(denied.status).toBe(403);
      expect(denied.body.errno).toBe(-1);
      expect(await etcdSnapshot(etcd, PREFIX)).toEqual(before);
      expect(
        (await api.get<CompatReply>('/job/list', { token: viewer.body.token })).body.errno,
      ).toBe(0);
    });

    it('/job/save takes a JSON body or a form field, stores the gorhill dialect and returns the previous job', async () => {
      const first = await api.post<CompatReply>('/job/save', {
        name: 'demo',
        command: 'echo hello',
        cronExpr: '*/5 * * * * * *',
      });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ errno: 0, msg: 'success', data: null });
      const stored = JSON.parse(
        (await etcd.get(new EtcdKeys(PREFIX).spec('default', 'demo')).string()) ?? '{}',
      ) as Record<string, unknown>;
      expect(stored).toMatchObject({
        name: 'demo',
        cronExpr: '*/5 * * * * * *',
        cronDialect: 'gorhill',
        timezone: 'UTC',
      });

      const job = JSON.stringify({
        name: 'demo',
        command: 'echo again',
        cronExpr: '*/5 * * * * * *',
      });
      const second = await api.post<CompatReply>('/job/save', form({ job }).body, {
        headers: form({ job }).headers,
      });
      expect(second.body).toEqual({
        errno: 0,
        msg: 'success',
        data: { name: 'demo', command: 'echo hello', cronExpr: '*/5 * * * * * *' },
      });

      // 7 fields: seconds first, year last; every 5 seconds.
      const detail = await api.get<{ nextFireTimes: string[] }>('/api/v1/jobs/demo');
      const times = detail.body.nextFireTimes.map((t) => Date.parse(t));
      expect(times[1] - times[0]).toBe(5000);
      expect(times[0] % 5000).toBe(0);

      // 6 fields: the standard 5 plus a year, honoured.
      await api.post('/job/save', {
        name: 'new-year',
        command: 'echo 2031',
        cronExpr: '0 0 1 1 * 2031',
      });
      const newYear = await api.get<{ nextFireTimes: string[] }>('/api/v1/jobs/new-year');
      expect(newYear.body.nextFireTimes).toEqual(['2031-01-01T00:00:00.000Z']);
    });

    it('/job/save refuses bad input with errno -1 and writes nothing', async () => {
      const cases: [unknown, RegExp][] = [
        [{ name: 'a/b', command: 'x', cronExpr: '@daily' }, /name/],
        [{ name: 'past', command: 'x', cronExpr: '0 0 1 1 * 2020' }, /no future fire time/],
        [{ name: 'bad', command: 'x', cronExpr: '* * *' }, /cronExpr/],
        [{ name: 'empty', command: '', cronExpr: '@daily' }, /command/],
        [{ name: 'extra', command: 'x', cronExpr: '@daily', owner: 'me' }, /owner/],
        ['{"name": "broken"', /JSON/],
      ];
      for (const [body, reason] of cases) {
        const before = await etcdSnapshot(etcd, PREFIX);
        const options =
          typeof body === 'string' ? { headers: { 'content-type': 'application/json' } } : {};
        const reply = await api.post<CompatReply>('/job/save', body, options);
        expect(reply.status).toBe(200);
        expect(reply.body).toMatchObject({
          errno: -1,
          msg: expect.stringMatching(reason),
          data: null,
        });
        expect(await etcdSnapshot(etcd, PREFIX)).toEqual(before);
      }
      const badForm = form({ job: '{not json' });
      const reply = await api.post<CompatReply>('/job/save', badForm.body, {
        headers: badForm.headers,
      });
      expect(reply.body).toMatchObject({ errno: -1, msg: expect.stringMatching(/job/) });
    });

    it('/job/list gives every job as saved, by name', async () => {
      await api.post('/api/v1/jobs', { name: 'a-v1-job', command: 'true', cronExpr: '@hourly' });
      const list = await api.get<CompatReply<Record<string, unknown>[]>>('/job/list');
      expect(list.body).toEqual({
        errno: 0,
        msg: 'success',
        data: [
          { name: 'a-v1-job', command: 'true', cronExpr: '@hourly' },
          { name: 'demo', command: 'echo again', cronExpr: '*/5 * * * * * *' },
          { name: 'new-year', command: 'echo 2031', cronExpr: '0 0 1 1 * 2031' },
        ],
      });
    });

    it('/job/kill writes kill/<job>; /job/delete returns the deleted job, then null', async () => {
      const killed = await api.post<CompatReply>('/job/kill', form({ name: 'demo' }).body, {
        headers: form({ name: 'demo' }).headers,
      });
      expect(killed.body).toEqual({ errno: 0, msg: 'success', data: null });
      expect(await etcd.get(`${PREFIX}kill/demo`).string()).not.toBeNull();

      const deleted = await api.post<CompatReply>('/job/delete', form({ name: 'new-year' }).body, {
        headers: form({ name: 'new-year' }).headers,
      });
      expect(deleted.body).toEqual({
        errno: 0,
        msg: 'success',
        data: { name: 'new-year', command: 'echo 2031', cronExpr: '0 0 1 1 * 2031' },
      });
      expect(await etcd.get(new EtcdKeys(PREFIX).spec('default', 'new-year')).string()).toBeNull();
      const again = await api.post<CompatReply>('/job/delete', { name: 'new-year' });
      expect(again.body).toEqual({ errno: 0, msg: 'success', data: null });
      const invalid = await api.post<CompatReply>('/job/delete', { name: '../etc' });
      expect(invalid.body.errno).toBe(-1);
    });

    it('/job/log maps run records to the original log records, newest first, with skip and limit', async () => {
      const base = Date.parse('2026-05-01T10:00:00Z');
      await db.collection('runs').insertMany([
        {
          runId: `demo@${base}`,
          job: 'demo',
          tick: new Date(base),
          attempt: 1,
          trigger: 'schedule',
          status: 'succeeded',
          exitCode: 0,
          output: 'hello\n',
          startedAt: new Date(base + 20),
          endedAt: new Date(base + 120),
          latenessMs: 20,
        },
        {
          runId: `demo@${base + 5000}`,
          job: 'demo',
          tick: new Date(base + 5000),
          attempt: 1,
          trigger: 'schedule',
          status: 'failed',
          exitCode: 3,
          output: 'oops',
          command: 'echo old',
          startedAt: new Date(base + 5010),
          endedAt: new Date(base + 5100),
        },
        {
          runId: `demo@${base + 10000}`,
          job: 'demo',
          tick: new Date(base + 10000),
          attempt: 1,
          trigger: 'schedule',
          status: 'timeout',
          error: 'timed out after 1 s',
          startedAt: new Date(base + 10000),
          endedAt: new Date(base + 11000),
        },
      ]);
      const log = await api.get<CompatReply<Record<string, unknown>[]>>('/job/log?name=demo');
      expect(log.body.errno).toBe(0);
      expect(log.body.data).toEqual([
        {
          jobName: 'demo',
          command: 'echo again',
          output: '',
          err: 'timed out after 1 s',
          planTime: base + 10000,
          scheduleTime: base + 10000,
          startTime: base + 10000,
          endTime: base + 11000,
        },
        {
          jobName: 'demo',
          command: 'echo old',
          output: 'oops',
          err: 'failed: exit code 3',
          planTime: base + 5000,
          scheduleTime: base + 5010,
          startTime: base + 5010,
          endTime: base + 5100,
        },
        {
          jobName: 'demo',
          command: 'echo again',
          output: 'hello\n',
          err: '',
          planTime: base,
          scheduleTime: base + 20,
          startTime: base + 20,
          endTime: base + 120,
        },
      ]);
      const paged = await api.get<CompatReply<{ planTime: number }[]>>(
        '/job/log?name=demo&skip=1&limit=1',
      );
      expect(paged.body.data.map((record) => record.planTime)).toEqual([base + 5000]);
      expect((await api.get<CompatReply>('/job/log?name=demo&limit=-1')).body.errno).toBe(-1);
      expect((await api.get<CompatReply>('/job/log')).body.errno).toBe(-1);
    });

    it('/worker/list gives worker addresses', async () => {
      const worker = (id: string, ip: string): string =>
        JSON.stringify({
          id,
          host: id,
          ip,
          pid: 1,
          labels: {},
          capacity: 1,
          version: '0',
          startedAt: '',
        });
      await etcd.put(`${PREFIX}workers/wa`).value(worker('wa', '192.0.2.10'));
      await etcd.put(`${PREFIX}workers/wb`).value(worker('wb', '192.0.2.11'));
      const list = await api.get<CompatReply<string[]>>('/worker/list');
      expect(list.body).toEqual({ errno: 0, msg: 'success', data: ['192.0.2.10', '192.0.2.11'] });
    });

    it('goes through the same audit log, marked compat', async () => {
      const audit = await api.get<{ items: Record<string, unknown>[] }>('/api/v1/audit?job=demo');
      expect(audit.body.items.map((entry) => [entry.action, entry.via])).toEqual([
        ['job.kill', 'compat'],
        ['job.replace', 'compat'],
        ['job.create', 'compat'],
      ]);
    });
  });
});
