/**
 * The master API against the real stack: jobs, runs, workers, run/kill/pause, roles and audit.
 * One master process for the whole file; etcd and MongoDB are seeded and inspected directly.
 */
import { EtcdKeys } from '../../src/etcd/etcd-keys';
import { Etcd3 } from 'etcd3';
import { Db, MongoClient } from 'mongodb';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { ApiClient, ErrorBody, etcdClient, etcdSnapshot, mongoDb } from './api-client';

const ADMIN = 'e2e-admin-token-0123456789abcdef';
const ID = isolationId('apijobs');
const PREFIX = `/t/${ID}/`;

interface JobBody {
  name: string;
  command: string;
  cronExpr: string;
  cronDialect: string;
  timezone: string;
  enabled: boolean;
  revision: number;
  createdAt: string;
  updatedAt: string;
  retries: { max: number; backoffSeconds: number; factor: number };
  target: { labels: Record<string, string>; mode: string };
  env: Record<string, string>;
  concurrencyPolicy: string;
  misfirePolicy: string;
  description: string;
}

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

describe('master API /api/v1', () => {
  let app: AppProcess;
  let api: ApiClient;
  let etcd: Etcd3;
  let mongo: MongoClient;
  let db: Db;
  let viewer: ApiClient;
  let operator: ApiClient;

  beforeAll(async () => {
    app = await startApp(appEnv(ID, { ROLE: 'master', CRON_ADMIN_TOKEN: ADMIN }));
    api = new ApiClient(app.baseUrl, ADMIN);
    etcd = etcdClient();
    ({ client: mongo, db } = await mongoDb(ID));
    const v = await api.post<{ token: string }>('/api/v1/tokens', {
      name: 'viewer-1',
      role: 'viewer',
    });
    const o = await api.post<{ token: string }>('/api/v1/tokens', {
      name: 'operator-1',
      role: 'operator',
    });
    expect([v.status, o.status]).toEqual([201, 201]);
    viewer = api.withToken(v.body.token);
    operator = api.withToken(o.body.token);
  });

  afterAll(async () => {
    await app?.stop();
    etcd?.close();
    await mongo?.close();
  });

  async function storedJob(name: string): Promise<Record<string, unknown> | null> {
    const value = await etcd.get(new EtcdKeys(PREFIX).spec('default', name)).string();
    return value === null ? null : (JSON.parse(value) as Record<string, unknown>);
  }

  describe('create, read, replace, patch, delete', () => {
    it('POST /jobs creates with defaults, stores JSON in etcd and answers 201 with revision and ETag', async () => {
      const created = await api.post<JobBody>('/api/v1/jobs', {
        name: 'alpha',
        command: 'echo a',
        cronExpr: '*/5 * * * *',
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'alpha',
        command: 'echo a',
        cronExpr: '*/5 * * * *',
        cronDialect: 'standard',
        timezone: 'UTC',
        enabled: true,
        concurrencyPolicy: 'forbid',
        misfirePolicy: 'runOnce',
        retries: { max: 0, backoffSeconds: 10, factor: 2 },
        target: { labels: {}, mode: 'one' },
      });
      expect(created.headers.get('etag')).toBe(`"${created.body.revision}"`);
      expect(created.headers.get('location')).toBe('/api/v1/jobs/alpha');
      const stored = await storedJob('alpha');
      expect(stored).toMatchObject({ name: 'alpha', command: 'echo a', cronDialect: 'standard' });
      expect(stored).not.toHaveProperty('revision');
      const kv = await etcd.get(new EtcdKeys(PREFIX).spec('default', 'alpha')).exec();
      expect(Number(kv.kvs[0].mod_revision)).toBe(created.body.revision);
    });

    it('POST /jobs for an existing name is 409 and changes nothing', async () => {
      const before = await etcdSnapshot(etcd, PREFIX);
      const again = await api.post<ErrorBody>('/api/v1/jobs', {
        name: 'alpha',
        command: 'echo b',
        cronExpr: '@daily',
      });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ statusCode: 409, error: 'Conflict', details: [] });
      expect(await etcdSnapshot(etcd, PREFIX)).toEqual(before);
    });

    it('GET /jobs/{name} gives the next 5 fire times in the job zone and the last run', async () => {
      await api.post('/api/v1/jobs', {
        name: 'zoned',
        command: 'date',
        cronExpr: '0 9 * * *',
        timezone: 'Europe/Berlin',
      });
      const tick = new Date('2026-01-02T08:00:00Z');
      await db.collection('runs').insertMany([
        {
          runId: 'zoned@1',
          job: 'zoned',
          tick: new Date('2026-01-01T08:00:00Z'),
          attempt: 1,
          trigger: 'schedule',
          status: 'failed',
          exitCode: 2,
        },
        {
          runId: 'zoned@2',
          job: 'zoned',
          tick,
          attempt: 1,
          trigger: 'schedule',
          status: 'succeeded',
          exitCode: 0,
          workerId: 'w1',
          startedAt: tick,
          endedAt: new Date(tick.getTime() + 1500),
          durationMs: 1500,
          output: 'secret output',
        },
      ]);
      const got = await viewer.get<
        JobBody & { nextFireTimes: string[]; lastRun: Record<string, unknown> }
      >('/api/v1/jobs/zoned');
      expect(got.status).toBe(200);
      expect(got.body.nextFireTimes).toHaveLength(5);
      for (const time of got.body.nextFireTimes)
        expect(time).toMatch(/^\d{4}-\d\d-\d\dT09:00:00\.000\+0[12]:00$/);
      const times = got.body.nextFireTimes.map((t) => Date.parse(t));
      expect(times[0]).toBeGreaterThan(Date.now());
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(got.body.lastRun).toEqual({
        runId: 'zoned@2',
        status: 'succeeded',
        trigger: 'schedule',
        tick: tick.toISOString(),
        startedAt: tick.toISOString(),
        endedAt: new Date(tick.getTime() + 1500).toISOString(),
        durationMs: 1500,
        exitCode: 0,
        workerId: 'w1',
      });
      expect(got.headers.get('etag')).toBe(`"${got.body.revision}"`);
    });

    it('GET /jobs/{name} of a job without runs has lastRun null; of an unknown job 404', async () => {
      expect(
        (await viewer.get<{ lastRun: unknown }>('/api/v1/jobs/alpha')).body.lastRun,
      ).toBeNull();
      const missing = await viewer.get<ErrorBody>('/api/v1/jobs/nope');
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({
        statusCode: 404,
        error: 'Not Found',
        message: 'job "nope" not found',
      });
    });

    it('PUT creates (201), replaces (200) keeping createdAt, and honours If-Match (412 when stale)', async () => {
      const created = await api.put<JobBody>('/api/v1/jobs/beta', {
        command: 'echo 1',
        cronExpr: '@hourly',
        description: 'first',
      });
      expect(created.status).toBe(201);
      const replaced = await api.put<JobBody>(
        '/api/v1/jobs/beta',
        { name: 'beta', command: 'echo 2', cronExpr: '@every 90s' },
        { headers: { 'if-match': `"${created.body.revision}"` } },
      );
      expect(replaced.status).toBe(200);
      expect(replaced.body).toMatchObject({
        command: 'echo 2',
        cronExpr: '@every 90s',
        description: '',
        createdAt: created.body.createdAt,
      });
      expect(replaced.body.revision).toBeGreaterThan(created.body.revision);

      const before = await etcdSnapshot(etcd, PREFIX);
      const stale = await api.put<ErrorBody>(
        '/api/v1/jobs/beta',
        { command: 'echo 3', cronExpr: '@hourly' },
        { headers: { 'if-match': String(created.body.revision) } },
      );
      expect(stale.status).toBe(412);
      expect(stale.body.details).toEqual([
        { field: 'If-Match', reason: expect.stringContaining('stale') },
      ]);
      expect(await etcdSnapshot(etcd, PREFIX)).toEqual(before);

      const star = await api.put(
        '/api/v1/jobs/gamma',
        { command: 'x', cronExpr: '@daily' },
        { headers: { 'if-match': '*' } },
      );
      expect(star.status).toBe(404);
      expect(await storedJob('gamma')).toBeNull();
    });

    it('PATCH changes only the given fields, merges nested objects and keeps the dialect', async () => {
      const before = await api.get<JobBody>('/api/v1/jobs/beta');
      const patched = await api.patch<JobBody>('/api/v1/jobs/beta', {
        retries: { max: 3 },
        target: { labels: { zone: 'eu' } },
        env: { GREETING: 'hi' },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        command: 'echo 2',
        cronExpr: '@every 90s',
        retries: { max: 3, backoffSeconds: 10, factor: 2 },
        target: { labels: { zone: 'eu' }, mode: 'one' },
        env: { GREETING: 'hi' },
        createdAt: before.body.createdAt,
      });
      expect(await storedJob('beta')).not.toHaveProperty('revision');
      const stale = await api.patch(
        '/api/v1/jobs/beta',
        { description: 'x' },
        { headers: { 'if-match': String(before.body.revision) } },
      );
      expect(stale.status).toBe(412);
      const ok = await api.patch<JobBody>(
        '/api/v1/jobs/beta',
        { description: 'x' },
        { headers: { 'if-match': String(patched.body.revision) } },
      );
      expect(ok.status).toBe(200);
      expect(ok.body.description).toBe('x');
      expect((await api.patch('/api/v1/jobs/nope', { description: 'x' })).status).toBe(404);
    });

    it('DELETE removes the job with its state and triggers in one step; 404 after', async () => {
      await api.post('/api/v1/jobs', { name: 'doomed', command: 'true', cronExpr: '@daily' });
      await etcd
        .put(`${PREFIX}state/doomed`)
        .value(JSON.stringify({ lastTick: 1, runId: 'doomed@1', workerId: 'w' }));
      await etcd.put(`${PREFIX}trigger/doomed/doomed@5`).value('{}');
      await etcd.put(`${PREFIX}state/doomed-keep`).value('{}');
      const stale = await api.delete('/api/v1/jobs/doomed', { headers: { 'if-match': '1' } });
      expect(stale.status).toBe(412);
      expect(await storedJob('doomed')).not.toBeNull();
      const deleted = await api.delete('/api/v1/jobs/doomed');
      expect(deleted.status).toBe(204);
      expect(await storedJob('doomed')).toBeNull();
      expect(await etcd.get(`${PREFIX}state/doomed`).string()).toBeNull();
      expect(await etcd.getAll().prefix(`${PREFIX}trigger/doomed/`).keys()).toEqual([]);
      expect(await etcd.get(`${PREFIX}state/doomed-keep`).string()).toBe('{}');
      expect((await api.delete('/api/v1/jobs/doomed')).status).toBe(404);
    });
  });

  describe('listing', () => {
    beforeAll(async () => {
      for (let i = 0; i < 7; i++) {
        const reply = await api.post('/api/v1/jobs', {
          name: `list-${i}`,
          command: 'true',
          cronExpr: '@daily',
          enabled: i % 2 === 0,
          target: { labels: i < 3 ? { tier: 'gold' } : { tier: 'bronze' } },
        });
        expect(reply.status).toBe(201);
      }
    });

    it('pages by name with a cursor until nextCursor is null', async () => {
      const names: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `/api/v1/jobs?prefix=list-&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
        const page: { body: Page<JobBody> } = await viewer.get<Page<JobBody>>(query);
        names.push(...page.body.items.map((job) => job.name));
        cursor = page.body.nextCursor;
        pages++;
      } while (cursor !== null && pages < 10);
      expect(names).toEqual(['list-0', 'list-1', 'list-2', 'list-3', 'list-4', 'list-5', 'list-6']);
      expect(pages).toBe(3);
    });

    it('filters by enabled and by label, and sorts by name', async () => {
      const paused = await viewer.get<Page<JobBody>>('/api/v1/jobs?prefix=list-&enabled=false');
      expect(paused.body.items.map((job) => job.name)).toEqual(['list-1', 'list-3', 'list-5']);
      const gold = await viewer.get<Page<JobBody>>('/api/v1/jobs?label=tier=gold&enabled=true');
      expect(gold.body.items.map((job) => job.name)).toEqual(['list-0', 'list-2']);
      const all = await viewer.get<Page<JobBody>>('/api/v1/jobs');
      const names = all.body.items.map((job) => job.name);
      expect(names).toEqual([...names].sort());
      expect(names).toEqual(expect.arrayContaining(['alpha', 'beta', 'zoned', 'list-6']));
    });
  });

  describe('pause, resume, run, kill', () => {
    it('pause and resume flip enabled in etcd (operator may), idempotently', async () => {
      const paused = await operator.post<JobBody>('/api/v1/jobs/alpha/pause');
      expect(paused.status).toBe(200);
      expect(paused.body.enabled).toBe(false);
      expect((await storedJob('alpha'))?.enabled).toBe(false);
      const again = await operator.post<JobBody>('/api/v1/jobs/alpha/pause');
      expect(again.body.revision).toBe(paused.body.revision);
      const resumed = await operator.post<JobBody>('/api/v1/jobs/alpha/resume');
      expect(resumed.body.enabled).toBe(true);
      expect((await storedJob('alpha'))?.enabled).toBe(true);
    });

    it('run writes a manual TriggerRequest under trigger/<job>/<runId> and returns the run id', async () => {
      const before = Date.now();
      const run = await operator.post<{ runId: string }>('/api/v1/jobs/alpha/run');
      expect(run.status).toBe(202);
      expect(run.body.runId).toMatch(/^alpha@\d+![0-9a-f]+$/);
      const value = await etcd.get(`${PREFIX}trigger/alpha/${run.body.runId}`).string();
      const request = JSON.parse(value ?? 'null') as Record<string, unknown>;
      expect(request).toMatchObject({ runId: run.body.runId, trigger: 'manual', attempt: 1 });
      expect(request.notBefore).toBe(request.tick);
      expect(request.tick as number).toBeGreaterThanOrEqual(before);
      expect((await operator.post('/api/v1/jobs/nope/run')).status).toBe(404);
      expect(await etcd.getAll().prefix(`${PREFIX}trigger/nope/`).keys()).toEqual([]);
    });

    it('kill of a job writes kill/<job> on a short lease and names the running runs', async () => {
      await etcd
        .put(`${PREFIX}running/alpha/alpha@7`)
        .value(
          JSON.stringify({ runId: 'alpha@7', workerId: 'w1', startedAt: new Date().toISOString() }),
        );
      const killed = await operator.post<{ job: string; runIds: string[] }>(
        '/api/v1/jobs/alpha/kill',
      );
      expect(killed.status).toBe(202);
      expect(killed.body).toEqual({ job: 'alpha', runIds: ['alpha@7'] });
      const kv = (await etcd.get(`${PREFIX}kill/alpha`).exec()).kvs[0];
      expect(JSON.parse(kv.value.toString())).toMatchObject({ requestedBy: 'operator-1' });
      const ttl = await etcd.leaseClient.leaseTimeToLive({ ID: kv.lease });
      expect(Number(ttl.TTL)).toBeGreaterThan(0);
      expect(Number(ttl.TTL)).toBeLessThanOrEqual(30);
      expect((await operator.post('/api/v1/jobs/ghost/kill')).status).toBe(404);
    });

    it('kill of a run: 202 and kill/<runId> when running, 409 when finished, 404 when unknown', async () => {
      await etcd
        .put(`${PREFIX}running/zoned`)
        .value(
          JSON.stringify({ runId: 'zoned@9', workerId: 'w2', startedAt: new Date().toISOString() }),
        );
      const ok = await operator.post<{ runId: string }>('/api/v1/runs/zoned@9/kill');
      expect(ok.status).toBe(202);
      expect(await etcd.get(`${PREFIX}kill/zoned@9`).string()).not.toBeNull();
      const finished = await operator.post<ErrorBody>('/api/v1/runs/zoned@2/kill');
      expect(finished.status).toBe(409);
      expect(finished.body.message).toContain('succeeded');
      expect((await operator.post('/api/v1/runs/zoned@404/kill')).status).toBe(404);
      expect(await etcd.get(`${PREFIX}kill/zoned@404`).string()).toBeNull();
    });
  });

  describe('runs', () => {
    beforeAll(async () => {
      const base = Date.parse('2026-03-01T00:00:00Z');
      await db.collection('runs').insertMany(
        Array.from({ length: 12 }, (_, i) => ({
          runId: `hist@${base + i * 60000}`,
          job: 'hist',
          tick: new Date(base + i * 60000),
          attempt: 1,
          trigger: 'schedule',
          status: i % 3 === 0 ? 'failed' : 'succeeded',
          output: `out ${i}`,
          truncated: false,
        })),
      );
    });

    it('lists newest first without output, paginates with a cursor and filters by status and time', async () => {
      const first = await viewer.get<Page<Record<string, unknown>>>(
        '/api/v1/jobs/hist/runs?limit=5',
      );
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(5);
      expect(first.body.items[0]).not.toHaveProperty('output');
      const ids: string[] = first.body.items.map((run) => run.runId as string);
      let cursor = first.body.nextCursor;
      while (cursor) {
        const next: { body: Page<Record<string, unknown>> } = await viewer.get<
          Page<Record<string, unknown>>
        >(`/api/v1/jobs/hist/runs?limit=5&cursor=${cursor}`);
        ids.push(...next.body.items.map((run) => run.runId as string));
        cursor = next.body.nextCursor;
      }
      expect(ids).toHaveLength(12);
      expect(ids).toEqual([...ids].sort().reverse());

      const failed = await viewer.get<Page<Record<string, unknown>>>(
        '/api/v1/jobs/hist/runs?status=failed',
      );
      expect(failed.body.items.map((run) => run.status)).toEqual([
        'failed',
        'failed',
        'failed',
        'failed',
      ]);
      const window = await viewer.get<Page<Record<string, unknown>>>(
        '/api/v1/jobs/hist/runs?from=2026-03-01T00:02:00Z&to=2026-03-01T00:04:00Z&status=succeeded,failed',
      );
      expect(window.body.items.map((run) => run.tick)).toEqual([
        '2026-03-01T00:04:00.000Z',
        '2026-03-01T00:03:00.000Z',
        '2026-03-01T00:02:00.000Z',
      ]);
    });

    it('reads runs still going from runs_active; an outcome wins over a stale active record, under every filter', async () => {
      const base = Date.parse('2026-04-01T00:00:00Z');
      const doc = (i: number, status: string) => ({
        runId: `live@${base + i * 60000}`,
        job: 'live',
        tick: new Date(base + i * 60000),
        attempt: 1,
        trigger: 'schedule',
        status,
      });
      // Six outcomes; two runs going; a stale `running` record of a run whose outcome is stored.
      await db
        .collection('runs')
        .insertMany(Array.from({ length: 6 }, (_, i) => doc(i, 'succeeded')));
      await db
        .collection('runs_active')
        .insertMany([doc(6, 'running'), doc(7, 'running'), doc(3, 'running')]);
      const list = async (query: string) =>
        (await viewer.get<Page<Record<string, unknown>>>(`/api/v1/jobs/live/runs?${query}`)).body;
      const all = await list('limit=20');
      expect(all.items.map((run) => [run.runId, run.status])).toEqual([
        ...[7, 6].map((i) => [`live@${base + i * 60000}`, 'running']),
        ...[5, 4, 3, 2, 1, 0].map((i) => [`live@${base + i * 60000}`, 'succeeded']),
      ]);
      // The status filter leaves the stale record out and the page still holds `limit` runs.
      const running = await list('status=running&limit=2');
      expect(running.items.map((run) => run.runId)).toEqual(
        [7, 6].map((i) => `live@${base + i * 60000}`),
      );
      const stale = await list('status=running&limit=3');
      expect(stale.items.map((run) => run.runId)).toEqual(
        [7, 6].map((i) => `live@${base + i * 60000}`),
      );
      const one = await viewer.get<Record<string, unknown>>(
        `/api/v1/runs/${encodeURIComponent(`live@${base + 3 * 60000}`)}`,
      );
      expect(one.body.status).toBe('succeeded');
    });

    it('GET /runs/{runId} includes the output; unknown run 404', async () => {
      const runId = `hist@${Date.parse('2026-03-01T00:05:00Z')}`;
      const run = await viewer.get<Record<string, unknown>>(
        `/api/v1/runs/${encodeURIComponent(runId)}`,
      );
      expect(run.status).toBe(200);
      expect(run.body).toMatchObject({
        runId,
        job: 'hist',
        status: 'succeeded',
        output: 'out 5',
        truncated: false,
      });
      expect((await viewer.get('/api/v1/runs/hist@1')).status).toBe(404);
    });
  });

  describe('workers and cron preview', () => {
    it('GET /workers lists registrations with their running counts', async () => {
      const worker = (id: string, ip: string): string =>
        JSON.stringify({
          id,
          host: `${id}.local`,
          ip,
          pid: 10,
          labels: { zone: 'a' },
          capacity: 8,
          version: '0.1.0',
          startedAt: '2026-01-01T00:00:00.000Z',
        });
      await etcd.put(`${PREFIX}workers/w1`).value(worker('w1', '10.0.0.1'));
      await etcd.put(`${PREFIX}workers/w2`).value(worker('w2', '10.0.0.2'));
      await etcd
        .put(`${PREFIX}running/list-0/list-0@1`)
        .value(JSON.stringify({ runId: 'list-0@1', workerId: 'w1', startedAt: '' }));
      const workers = await viewer.get<Record<string, unknown>[]>('/api/v1/workers');
      expect(workers.status).toBe(200);
      // w1 runs alpha@7 and list-0@1; w2 runs zoned@9 (seeded above).
      expect(workers.body).toEqual([
        {
          id: 'w1',
          host: 'w1.local',
          ip: '10.0.0.1',
          pid: 10,
          labels: { zone: 'a' },
          capacity: 8,
          version: '0.1.0',
          startedAt: '2026-01-01T00:00:00.000Z',
          running: 2,
        },
        {
          id: 'w2',
          host: 'w2.local',
          ip: '10.0.0.2',
          pid: 10,
          labels: { zone: 'a' },
          capacity: 8,
          version: '0.1.0',
          startedAt: '2026-01-01T00:00:00.000Z',
          running: 1,
        },
      ]);
    });

    it('GET /cron/preview lists the next fire times; @every and gorhill years work', async () => {
      const preview = await viewer.get<{ next: string[] }>(
        '/api/v1/cron/preview?expr=' +
          encodeURIComponent('30 6 * * 1') +
          '&timezone=America/New_York&count=3',
      );
      expect(preview.status).toBe(200);
      expect(preview.body.next).toHaveLength(3);
      for (const time of preview.body.next) expect(time).toMatch(/T06:30:00\.000-0[45]:00$/);
      const every = await viewer.get<{ next: string[] }>(
        '/api/v1/cron/preview?expr=' + encodeURIComponent('@every 90s'),
      );
      const [a, b] = every.body.next.map((t) => Date.parse(t));
      expect(b - a).toBe(90000);
      const gorhill = await viewer.get<{ next: string[] }>(
        '/api/v1/cron/preview?dialect=gorhill&count=2&expr=' + encodeURIComponent('0 0 1 1 * 2031'),
      );
      expect(gorhill.body.next).toEqual(['2031-01-01T00:00:00.000Z']);
    });
  });

  describe('roles', () => {
    it.each([
      ['viewer', 'GET', '/api/v1/jobs', 200],
      ['viewer', 'POST', '/api/v1/jobs/alpha/pause', 403],
      ['viewer', 'POST', '/api/v1/jobs/alpha/run', 403],
      ['viewer', 'GET', '/api/v1/tokens', 403],
      ['operator', 'DELETE', '/api/v1/jobs/alpha', 403],
      ['operator', 'PUT', '/api/v1/jobs/alpha', 403],
      ['operator', 'GET', '/api/v1/tokens', 403],
      ['operator', 'GET', '/api/v1/audit', 200],
      ['operator', 'POST', '/api/v1/jobs/alpha/resume', 200],
    ])('%s %s %s -> %i', async (role, method, path, status) => {
      const client = role === 'viewer' ? viewer : operator;
      const body = method === 'PUT' ? { command: 'x', cronExpr: '@daily' } : undefined;
      const before = await etcdSnapshot(etcd, `${PREFIX}specs/`);
      const reply = await client.request<ErrorBody>(method, path, { body });
      expect(reply.status).toBe(status);
      if (status === 403) {
        expect(reply.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
        expect(await etcdSnapshot(etcd, `${PREFIX}specs/`)).toEqual(before);
      }
    });
  });

  describe('every route and role', () => {
    const ROLES = ['viewer', 'operator', 'admin'] as const;
    // [method, path, least role, body]; the least role must pass the guard, the one below must not.
    const ROUTES: [string, string, (typeof ROLES)[number], unknown][] = [
      ['GET', '/api/v1/jobs', 'viewer', undefined],
      ['GET', '/api/v1/jobs/matrix', 'viewer', undefined],
      ['GET', '/api/v1/jobs/matrix/runs', 'viewer', undefined],
      ['GET', '/api/v1/runs/matrix@1', 'viewer', undefined],
      ['GET', '/api/v1/workers', 'viewer', undefined],
      ['GET', '/api/v1/cron/preview?expr=@daily', 'viewer', undefined],
      ['GET', '/api/v1/audit', 'viewer', undefined],
      ['POST', '/api/v1/jobs/matrix/pause', 'operator', undefined],
      ['POST', '/api/v1/jobs/matrix/resume', 'operator', undefined],
      ['POST', '/api/v1/jobs/matrix/run', 'operator', undefined],
      ['POST', '/api/v1/jobs/matrix/kill', 'operator', undefined],
      ['POST', '/api/v1/runs/matrix@1/kill', 'operator', undefined],
      [
        'POST',
        '/api/v1/jobs',
        'admin',
        { name: 'matrix-new', command: 'true', cronExpr: '@daily' },
      ],
      ['PUT', '/api/v1/jobs/matrix', 'admin', { command: 'true', cronExpr: '@daily' }],
      ['PATCH', '/api/v1/jobs/matrix', 'admin', { description: 'm' }],
      ['GET', '/api/v1/tokens', 'admin', undefined],
      ['POST', '/api/v1/tokens', 'admin', { name: 'matrix-token', role: 'viewer' }],
      ['DELETE', '/api/v1/tokens/0000000000000000', 'admin', undefined],
      ['DELETE', '/api/v1/jobs/matrix', 'admin', undefined],
    ];

    beforeAll(async () => {
      expect(
        (await api.put('/api/v1/jobs/matrix', { command: 'true', cronExpr: '@daily' })).status,
      ).toBe(201);
    });

    // Every row has all four elements: Jest takes a missing one for a `done` callback.
    it.each(ROUTES)('%s %s needs %s', async (method, path, least, body) => {
      const clients = { viewer, operator, admin: api };
      for (const role of ROLES) {
        const allowed = ROLES.indexOf(role) >= ROLES.indexOf(least);
        if (allowed && role !== least) continue;
        const before = await etcdSnapshot(etcd, PREFIX);
        const reply = await clients[role].request(method, path, { body });
        if (allowed) {
          expect([401, 403]).not.toContain(reply.status);
          expect(reply.status).toBeLessThan(500);
        } else {
          expect(reply.status).toBe(403);
          expect(await etcdSnapshot(etcd, PREFIX)).toEqual(before);
        }
      }
    });
  });

  describe('concurrent writers', () => {
    it('of a create: exactly one wins, the others get 409', async () => {
      const replies = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          api.post('/api/v1/jobs', { name: 'race', command: `echo ${i}`, cronExpr: '@daily' }),
        ),
      );
      expect(replies.map((reply) => reply.status).sort()).toEqual([201, 409, 409, 409, 409]);
    });

    it('of a replace with the same If-Match: exactly one wins, the others get 412', async () => {
      const { body } = await api.get<JobBody>('/api/v1/jobs/race');
      const replies = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          api.put(
            '/api/v1/jobs/race',
            { command: `echo ${i}`, cronExpr: '@daily' },
            { headers: { 'if-match': String(body.revision) } },
          ),
        ),
      );
      expect(replies.map((reply) => reply.status).sort()).toEqual([200, 412, 412, 412, 412]);
    });

    it('of patches without If-Match: none is lost', async () => {
      const replies = await Promise.all(
        ['a', 'b', 'c'].map((key) =>
          api.patch('/api/v1/jobs/race', { env: undefined, target: { labels: { [key]: '1' } } }),
        ),
      );
      expect(replies.every((reply) => reply.status === 200)).toBe(true);
      // Each patch replaced the labels map, so exactly one survives, and the job is intact.
      const stored = (await storedJob('race')) as {
        target: { labels: Record<string, string> };
        command: string;
      };
      expect(Object.keys(stored.target.labels)).toHaveLength(1);
      expect(stored.command).toMatch(/^echo \d$/);
    });
  });

  describe('audit', () => {
    it('records every change with token name, action, job and revision, newest first, paginated', async () => {
      const page = await viewer.get<Page<Record<string, unknown>>>('/api/v1/audit?job=beta');
      expect(page.status).toBe(200);
      const actions = page.body.items.map((entry) => entry.action);
      expect(actions).toEqual(['job.update', 'job.update', 'job.replace', 'job.create']);
      expect(page.body.items[3]).toMatchObject({
        tokenName: 'bootstrap-admin',
        job: 'beta',
        via: 'v1',
        role: 'admin',
      });
      expect(typeof page.body.items[3].revision).toBe('number');

      const pause = await viewer.get<Page<Record<string, unknown>>>(
        '/api/v1/audit?action=job.pause&job=alpha',
      );
      expect(pause.body.items[0]).toMatchObject({
        tokenName: 'operator-1',
        job: 'alpha',
        action: 'job.pause',
      });
      const run = await viewer.get<Page<Record<string, unknown>>>(
        '/api/v1/audit?action=job.run&job=alpha',
      );
      expect(run.body.items[0]).toMatchObject({
        job: 'alpha',
        runId: expect.stringMatching(/^alpha@/),
      });

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const next: { body: Page<Record<string, unknown>> } = await viewer.get<
          Page<Record<string, unknown>>
        >(`/api/v1/audit?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...next.body.items.map((entry) => entry.entryId as string));
        cursor = next.body.nextCursor;
      } while (cursor);
      const all = await db.collection('audit').countDocuments();
      expect(seen).toHaveLength(all);
      expect(new Set(seen).size).toBe(all);
    });
  });
});
