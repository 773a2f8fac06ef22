/**
 * The API and a worker in one process (ROLE=all): a manual run requested through the API is
 * executed by the worker and its record read back through the API; a kill through the API
 * stops a running run.
 */
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { ApiClient, eventually } from './api-client';

const ADMIN = 'e2e-admin-token-with-worker-0123456789';

interface RunBody {
  runId: string;
  status: string;
  trigger: string;
  output?: string;
  exitCode?: number;
}

describe('API with a worker (ROLE=all)', () => {
  let app: AppProcess;
  let api: ApiClient;

  beforeAll(async () => {
    app = await startApp(
      appEnv(isolationId('apiall'), {
        ROLE: 'all',
        CRON_ADMIN_TOKEN: ADMIN,
        SESSION_TTL_SECONDS: '3',
      }),
    );
    api = new ApiClient(app.baseUrl, ADMIN);
    await eventually(
      async () => ((await api.get<unknown[]>('/api/v1/workers')).body ?? []).length === 1,
      20000,
    );
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('POST /jobs/{name}/run is executed by the worker; the run shows in /runs with its output', async () => {
    expect(
      (
        await api.post('/api/v1/jobs', {
          name: 'hello',
          command: 'echo hello from $CRON_RUN_ID',
          cronExpr: '@yearly',
        })
      ).status,
    ).toBe(201);
    const { body } = await api.post<{ runId: string }>('/api/v1/jobs/hello/run');
    let run: RunBody | undefined;
    await eventually(async () => {
      const reply = await api.get<RunBody>(`/api/v1/runs/${encodeURIComponent(body.runId)}`);
      run = reply.body;
      return reply.status === 200 && run.status === 'succeeded';
    }, 20000);
    expect(run).toMatchObject({ runId: body.runId, trigger: 'manual', exitCode: 0 });
    expect(run?.output).toContain(`hello from ${body.runId}`);
    const list = await api.get<{ items: RunBody[] }>('/api/v1/jobs/hello/runs');
    expect(list.body.items.map((item) => item.runId)).toContain(body.runId);
    const detail = await api.get<{ lastRun: RunBody }>('/api/v1/jobs/hello');
    expect(detail.body.lastRun).toMatchObject({ runId: body.runId, status: 'succeeded' });
  });

  it('POST /runs/{runId}/kill stops a running run, which is recorded as killed', async () => {
    expect(
      (await api.post('/api/v1/jobs', { name: 'sleepy', command: 'sleep 30', cronExpr: '@yearly' }))
        .status,
    ).toBe(201);
    const { body } = await api.post<{ runId: string }>('/api/v1/jobs/sleepy/run');
    const path = `/api/v1/runs/${encodeURIComponent(body.runId)}`;
    await eventually(async () => (await api.post(`${path}/kill`)).status === 202, 20000);
    await eventually(async () => (await api.get<RunBody>(path)).body?.status === 'killed', 20000);
  });

  it('a job saved through /job/save in the 7-field gorhill form runs every second and shows in /job/log', async () => {
    const saved = await api.post<{ errno: number }>('/job/save', {
      name: 'compat-tick',
      command: 'echo tick',
      cronExpr: '*/1 * * * * * *',
    });
    expect(saved.body.errno).toBe(0);
    let records: { jobName: string; output: string; err: string; planTime: number }[] = [];
    await eventually(async () => {
      records = (await api.get<{ data: typeof records }>('/job/log?name=compat-tick&limit=5')).body
        .data;
      return records.filter((record) => record.output.includes('tick')).length >= 2;
    }, 20000);
    const done = records.filter((record) => record.output.includes('tick'));
    expect(done[0]).toMatchObject({ jobName: 'compat-tick', err: '' });
    expect(done[0].planTime % 1000).toBe(0);
    expect(done[0].planTime).toBeGreaterThan(done[1].planTime);
    expect(
      (await api.post<{ errno: number }>('/job/delete', { name: 'compat-tick' })).body.errno,
    ).toBe(0);
  });
});
