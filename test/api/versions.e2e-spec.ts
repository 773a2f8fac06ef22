/**
 * Version history against the real stack: every change adds a version (MongoDB job_versions),
 * one version shows its diff against the current definition, rollback goes through the PUT
 * path (audited, a version itself), and versions left in etcd's outbox reach MongoDB.
 */
import { Etcd3 } from 'etcd3';
import { Db, MongoClient } from 'mongodb';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { ApiClient, ErrorBody, etcdClient, eventually, mongoDb } from './api-client';

const ADMIN = 'e2e-admin-token-0123456789abcdef';
const ID = isolationId('versions');
const PREFIX = `/t/${ID}/`;
const V = '/api/v1/jobs';

interface Summary {
  version: number;
  action: string;
  tokenName: string;
  revision: number;
  at: string;
  fromVersion?: number;
}
interface Detail extends Summary {
  spec: Record<string, unknown>;
  current: Record<string, unknown> | null;
  diff: { path: string; op: string; before?: unknown; after?: unknown }[];
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

describe('job versions /api/v1/jobs/{name}/versions and /rollback', () => {
  let app: AppProcess;
  let api: ApiClient;
  let viewer: ApiClient;
  let etcd: Etcd3;
  let mongo: MongoClient;
  let db: Db;

  beforeAll(async () => {
    app = await startApp(appEnv(ID, { ROLE: 'master', CRON_ADMIN_TOKEN: ADMIN }));
    api = new ApiClient(app.baseUrl, ADMIN);
    etcd = etcdClient();
    ({ client: mongo, db } = await mongoDb(ID));
    const v = await api.post<{ token: string }>('/api/v1/tokens', { name: 'v', role: 'viewer' });
    viewer = api.withToken(v.body.token);
  });

  afterAll(async () => {
    await app?.stop();
    etcd?.close();
    await mongo?.close();
  });

  it('records create, update, pause and resume, lists them, diffs one and rolls back to it', async () => {
    const created = await api.post<{ revision: number }>(V, {
      name: 'hist',
      command: 'echo one',
      cronExpr: '@hourly',
      env: { A: '1' },
    });
    expect(created.status).toBe(201);
    expect(
      (await api.patch(`${V}/hist`, { command: 'echo two', retries: { max: 2 } })).status,
    ).toBe(200);
    expect((await api.post(`${V}/hist/pause`)).status).toBe(200);
    expect((await api.post(`${V}/hist/resume`)).status).toBe(200);

    const list = await viewer.get<Page<Summary>>(`${V}/hist/versions`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((v) => [v.version, v.action, v.tokenName])).toEqual([
      [4, 'resume', 'bootstrap-admin'],
      [3, 'pause', 'bootstrap-admin'],
      [2, 'update', 'bootstrap-admin'],
      [1, 'create', 'bootstrap-admin'],
    ]);
    expect(list.body.items[3].revision).toBe(created.body.revision);

    const paged = await viewer.get<Page<Summary>>(`${V}/hist/versions?limit=3`);
    expect(paged.body.items.map((v) => v.version)).toEqual([4, 3, 2]);
    const rest = await viewer.get<Page<Summary>>(
      `${V}/hist/versions?limit=3&cursor=${encodeURIComponent(paged.body.nextCursor ?? '')}`,
    );
    expect(rest.body.items.map((v) => v.version)).toEqual([1]);

    const one = await viewer.get<Detail>(`${V}/hist/versions/1`);
    expect(one.status).toBe(200);
    expect(one.body.spec).toMatchObject({ command: 'echo one', enabled: true });
    expect(one.body.diff).toEqual([
      { path: '/command', op: 'replace', before: 'echo one', after: 'echo two' },
      { path: '/retries/max', op: 'replace', before: 0, after: 2 },
    ]);

    // The definition before the pause is version 2's, whole.
    const beforePause = await viewer.get<Detail>(`${V}/hist/versions/2`);
    expect(beforePause.body.spec).toMatchObject({ command: 'echo two', enabled: true });

    const current = await api.get<{ revision: number }>(`${V}/hist`);
    const rolled = await api.post<{ command: string; revision: number }>(`${V}/hist/rollback`, {
      version: 1,
      ifMatch: current.body.revision,
    });
    expect(rolled.status).toBe(200);
    expect(rolled.body.command).toBe('echo one');
    expect(rolled.headers.get('etag')).toBe(`"${rolled.body.revision}"`);

    const after = await viewer.get<Page<Summary>>(`${V}/hist/versions?limit=1`);
    expect(after.body.items[0]).toMatchObject({ version: 5, action: 'rollback', fromVersion: 1 });
    expect((await viewer.get<Detail>(`${V}/hist/versions/1`)).body.diff).toEqual([]);

    const audit = await api.get<Page<Record<string, unknown>>>('/api/v1/audit?job=hist');
    expect(audit.body.items[0]).toMatchObject({
      action: 'job.rollback',
      version: 1,
      revision: rolled.body.revision,
    });
  });

  it('answers 412 to a stale revision, 404 to an unknown version, 403 to a viewer, 400 to a bad body', async () => {
    const stale = await api.post<ErrorBody>(`${V}/hist/rollback`, { version: 2, ifMatch: 1 });
    expect(stale.status).toBe(412);
    const header = await api.post<ErrorBody>(
      `${V}/hist/rollback`,
      { version: 2 },
      { headers: { 'if-match': '"1"' } },
    );
    expect(header.status).toBe(412);
    expect((await api.post(`${V}/hist/rollback`, { version: 99 })).status).toBe(404);
    expect((await viewer.get(`${V}/hist/versions/99`)).status).toBe(404);
    expect((await viewer.get(`${V}/hist/versions/0`)).status).toBe(400);
    expect((await viewer.get(`${V}/nope/versions`)).status).toBe(404);
    expect((await viewer.post(`${V}/hist/rollback`, { version: 1 })).status).toBe(403);
    expect((await api.post(`${V}/hist/rollback`, { version: 'x' })).status).toBe(400);
  });

  it('refuses a managed job without the override header (409), and rolls it back with one', async () => {
    const put = await api.put(
      `${V}/managed`,
      { command: 'echo a', cronExpr: '@daily', managedBy: 'git:ops' },
      { headers: { 'x-cronplane-manager': 'git:ops' } },
    );
    expect(put.status).toBe(201);
    await api.put(
      `${V}/managed`,
      { command: 'echo b', cronExpr: '@daily', managedBy: 'git:ops' },
      { headers: { 'x-cronplane-manager': 'git:ops' } },
    );
    const versions = await viewer.get<Page<Summary>>(`${V}/managed/versions`);
    expect(versions.body.items.map((v) => v.action)).toEqual(['apply', 'apply']);
    const refused = await api.post<ErrorBody>(`${V}/managed/rollback`, { version: 1 });
    expect(refused.status).toBe(409);
    const forced = await api.post<{ command: string }>(
      `${V}/managed/rollback`,
      { version: 1 },
      { headers: { 'x-cronplane-override': 'revert the bad deploy' } },
    );
    expect(forced.status).toBe(200);
    expect(forced.body.command).toBe('echo a');
  });

  it('answers 422 when the version no longer validates (its schedule has run out)', async () => {
    await api.post(V, { name: 'expired', command: 'true', cronExpr: '@daily' });
    const first = await viewer.get<Detail>(`${V}/expired/versions/1`);
    await db.collection('job_versions').insertOne({
      namespace: 'default',
      job: 'expired',
      version: 1000,
      action: 'update',
      spec: JSON.stringify({ ...first.body.spec, cronExpr: '0 0 1 1 * 2001' }),
      revision: 1,
      at: new Date(),
      tokenName: 'seeded',
      via: 'v1',
    });
    const refused = await api.post<ErrorBody>(`${V}/expired/rollback`, { version: 1000 });
    expect(refused.status).toBe(422);
    expect(refused.body.details[0].field).toBe('cronExpr');
  });

  it('keeps the history of a deleted job, and a job created again continues its numbers', async () => {
    await api.post(V, { name: 'gone', command: 'echo 1', cronExpr: '@daily' });
    await api.patch(`${V}/gone`, { command: 'echo 2' });
    expect((await api.delete(`${V}/gone`)).status).toBe(204);
    const kept = await viewer.get<Detail>(`${V}/gone/versions/2`);
    expect(kept.status).toBe(200);
    expect(kept.body.current).toBeNull();
    await api.post(V, { name: 'gone', command: 'echo 3', cronExpr: '@daily' });
    const list = await viewer.get<Page<Summary>>(`${V}/gone/versions`);
    expect(list.body.items.map((v) => [v.version, v.action])).toEqual([
      [3, 'create'],
      [2, 'update'],
      [1, 'create'],
    ]);
    // Rolling back to a version from before the delete restores it.
    const rolled = await api.post<{ command: string }>(`${V}/gone/rollback`, { version: 2 });
    expect(rolled.body.command).toBe('echo 2');
  });

  it('copies a version left in the etcd outbox (its master died before MongoDB) into history', async () => {
    await api.post(V, { name: 'orphan', command: 'echo 1', cronExpr: '@daily' });
    const one = await viewer.get<Detail>(`${V}/orphan/versions/1`);
    const draft = {
      namespace: 'default',
      job: 'orphan',
      version: 2,
      action: 'update',
      spec: { ...one.body.spec, command: 'echo 2' },
      at: new Date().toISOString(),
      tokenName: 'crashed-master',
      tokenId: 't',
      role: 'admin',
      via: 'v1',
    };
    await etcd
      .put(`${PREFIX}versions/outbox/default/orphan/0000000002`)
      .value(JSON.stringify(draft));
    await eventually(async () => {
      const list = await viewer.get<Page<Summary>>(`${V}/orphan/versions`);
      return list.body.items.length === 2;
    }, 20000);
    const two = await viewer.get<Detail>(`${V}/orphan/versions/2`);
    expect(two.body).toMatchObject({ tokenName: 'crashed-master', spec: { command: 'echo 2' } });
    expect(two.body.revision).toBeGreaterThan(0);
    expect(await etcd.getAll().prefix(`${PREFIX}versions/outbox/`).keys()).toEqual([]);
  });
});
