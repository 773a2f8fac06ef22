/**
 * Dependencies away: the API answers 503 in its error shape instead of 500 or hanging, and a
 * change that landed in etcd is not failed because the audit log could not be written.
 */
import { freePort } from '../../tools/stack/ports';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { ApiClient, ErrorBody, eventually } from './api-client';

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
    app = await startApp(
      appEnv(isolationId('mongodown'), {
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
