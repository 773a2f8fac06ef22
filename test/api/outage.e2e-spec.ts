/**
 * Dependencies away: the API answers 503 in its error shape instead of 500 or hanging, and a
 * change that landed in etcd is not failed because the audit log (or its version) could not be
 * written to MongoDB.
 */
import { freePort } from '../../tools/stack/ports';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { ApiClient, ErrorBody, etcdClient, eventually } from './api-client';

const ADMIN = 'e2e-admin-token-outage-0123456789';

describe('dependency outages', () => {
  let app: AppProcess | undefined;

  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it('etcd unreachable: 503 on v1 and errno -1 on compat routes; probes still answer', async () => {
    const deadEtcd = `http://127.0.0.1:${await freePort()}`;
    app = await startApp(
      appEnv(isolationId('etcddown'), {
        ROLE: 'master',
        CRON_ADMIN_TOKEN: ADMIN,
        ETCD_ENDPOINTS: deadEtcd,
      }),
    );
    const api = new ApiClient(app.baseUrl, ADMIN);
    const reply = await api.get<ErrorBody>('/api/v1/jobs');
    expect(reply.status).toBe(503);
    expect(reply.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'etcd is unavailable; try again shortly',
      details: [],
    });
    const compat = await api.get<{ errno: number; msg: string }>('/job/list');
    expect(compat.status).toBe(200);
    expect(compat.body).toMatchObject({ errno: -1, msg: 'etcd is unavailable; try again shortly' });
    expect((await fetch(`${app.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${app.baseUrl}/readyz`)).status).toBe(503);
  });

  it('MongoDB unreachable: jobs still work, run history is 503, audit entries go to the log', async () => {
    const deadMongo = `mongodb://127.0.0.1:${await freePort()}/nowhere`;
    const id = isolationId('mongodown');
    app = await startApp(
      appEnv(id, {
        ROLE: 'master',
        CRON_ADMIN_TOKEN: ADMIN,
        MONGODB_URI: deadMongo,
      }),
    );
    const api = new ApiClient(app.baseUrl, ADMIN);
    await eventually(async () => (await api.get('/api/v1/jobs')).status === 200);
    const created = await api.post('/api/v1/jobs', {
      name: 'still-works',
      command: 'true',
      cronExpr: '@daily',
    });
    expect(created.status).toBe(201);
    // Its version waits in etcd, written with the job, until MongoDB is back (docs/versions.md).
    const etcd = etcdClient();
    try {
      const waiting = await etcd
        .get(`/t/${id}/versions/outbox/default/still-works/0000000001`)
        .json();
      expect(waiting).toMatchObject({ version: 1, action: 'create', job: 'still-works' });
    } finally {
      etcd.close();
    }
    const detail = await api.get<{ lastRun: unknown }>('/api/v1/jobs/still-works');
    expect(detail.status).toBe(200);
    expect(detail.body.lastRun).toBeNull();
    const runs = await api.get<ErrorBody>('/api/v1/jobs/still-works/runs');
    expect(runs.status).toBe(503);
    expect(runs.body.message).toBe('MongoDB is unavailable; try again shortly');
    await eventually(async () =>
      app!.logs().some((line) => line.msg === 'audit entry not stored; logged here instead'),
    );
    const line = app
      .logs()
      .find((entry) => entry.msg === 'audit entry not stored; logged here instead');
    expect(line?.audit).toMatchObject({
      action: 'job.create',
      job: 'still-works',
      tokenName: 'bootstrap-admin',
    });
  });
});
