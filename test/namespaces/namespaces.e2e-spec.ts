import { Etcd3 } from 'etcd3';
import { EtcdKeys } from '../../src/etcd/etcd-keys';
import { ApiClient, eventually } from '../api/api-client';
import { cli } from '../cli/support/cli';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId, testStack } from '../support/env';

const ADMIN = 'e2e-admin-token-namespaces-0123456789';

interface RunBody {
  runId: string;
  job: string;
  namespace: string;
  status: string;
  workerId?: string;
}

/**
 * Two teams on one cluster: namespaces with their own worker pools (workers labelled
 * pool=team-a and pool=team-b), the same job name in both, run ids and runs scoped by namespace,
 * a target outside the pool refused by the API and never run when written straight into etcd.
 */
describe('namespaces', () => {
  const id = isolationId('ns');
  const prefix = `/t/${id}/`;
  const keys = new EtcdKeys(prefix);
  let master: AppProcess;
  const workers: AppProcess[] = [];
  let api: ApiClient;
  let etcd: Etcd3;

  beforeAll(async () => {
    etcd = new Etcd3({ hosts: testStack().etcdEndpoints.split(',') });
    master = await startApp(appEnv(id, { ROLE: 'master', CRON_ADMIN_TOKEN: ADMIN }));
    for (const team of ['a', 'b']) {
      workers.push(
        await startApp(
          appEnv(id, {
            ROLE: 'worker',
            WORKER_ID: `w-${team}`,
            WORKER_LABELS: `pool=team-${team}`,
            SESSION_TTL_SECONDS: '3',
          }),
        ),
      );
    }
    api = new ApiClient(master.baseUrl, ADMIN);
    await eventually(
      async () => ((await api.get<unknown[]>('/api/v1/workers')).body ?? []).length === 2,
      20000,
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all([master, ...workers].map((app) => app?.stop()));
    etcd?.close();
  });

  it('creates, lists, refuses bad names and duplicates, and reads unknown ones as 404', async () => {
    for (const team of ['a', 'b']) {
      const created = await api.post<{ name: string; pool: Record<string, string> }>(
        '/api/v1/namespaces',
        { name: `team-${team}`, pool: { pool: `team-${team}` } },
      );
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: `team-${team}`, pool: { pool: `team-${team}` } });
    }
    expect((await api.post('/api/v1/namespaces', { name: 'team-a' })).status).toBe(409);
    const bad = await api.post<{ details: unknown[] }>('/api/v1/namespaces', { name: 'Team_A' });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([expect.objectContaining({ field: 'name' })]);
    const list = await api.get<{ name: string }[]>('/api/v1/namespaces');
    expect(list.body.map((ns) => ns.name)).toEqual(['default', 'team-a', 'team-b']);
    expect((await api.get('/api/v1/namespaces/nope')).status).toBe(404);
    expect((await api.get('/api/v1/namespaces/nope/jobs')).status).toBe(404);
    expect((await api.get('/api/v1/namespaces/NOPE/jobs')).status).toBe(400);
  });

  it('keeps the same job name apart in two namespaces; runs, run ids and lists are scoped', async () => {
    for (const team of ['a', 'b']) {
      const reply = await api.post(`/api/v1/namespaces/team-${team}/jobs`, {
        name: 'etl',
        command: `echo team ${team}`,
        cronExpr: '@yearly',
      });
      expect(reply.status).toBe(201);
      expect(reply.headers.get('location')).toBe(`/api/v1/namespaces/team-${team}/jobs/etl`);
    }
    const a = await api.get<{ name: string; namespace: string; command: string }>(
      '/api/v1/namespaces/team-a/jobs/etl',
    );
    expect(a.body).toMatchObject({ name: 'etl', namespace: 'team-a', command: 'echo team a' });
    expect((await api.get('/api/v1/jobs/etl')).status).toBe(404);
    const listed = await api.get<{ items: { name: string }[] }>('/api/v1/namespaces/team-b/jobs');
    expect(listed.body.items.map((job) => job.name)).toEqual(['etl']);
    expect((await etcd.get(keys.spec('team-a', 'etl')).string()) ?? '').toContain('"team-a"');

    const runs: Record<string, RunBody> = {};
    for (const team of ['a', 'b']) {
      const { body } = await api.post<{ runId: string }>(
        `/api/v1/namespaces/team-${team}/jobs/etl/run`,
      );
      expect(body.runId.startsWith(`team-${team}:etl@`)).toBe(true);
      const path = `/api/v1/namespaces/team-${team}/runs/${encodeURIComponent(body.runId)}`;
      await eventually(async () => {
        const reply = await api.get<RunBody>(path);
        if (reply.status === 200 && reply.body.status === 'succeeded') runs[team] = reply.body;
        return runs[team] !== undefined;
      }, 30000);
    }
    // Each ran on its own pool's worker, and is named within its namespace.
    expect(runs.a).toMatchObject({ job: 'etl', namespace: 'team-a', workerId: 'w-a' });
    expect(runs.b).toMatchObject({ job: 'etl', namespace: 'team-b', workerId: 'w-b' });
    // Another namespace's run ids are unknown, for reading and for killing.
    const foreign = encodeURIComponent(runs.a.runId);
    expect((await api.get(`/api/v1/namespaces/team-b/runs/${foreign}`)).status).toBe(404);
    expect((await api.get(`/api/v1/runs/${foreign}`)).status).toBe(404);
    expect((await api.post(`/api/v1/namespaces/team-b/runs/${foreign}/kill`)).status).toBe(404);
    const ofB = await api.get<{ items: RunBody[] }>('/api/v1/namespaces/team-b/jobs/etl/runs');
    expect(ofB.body.items.map((run) => run.runId)).toEqual([runs.b.runId]);
  }, 90_000);

  it('refuses a target outside the pool with 422 naming the field', async () => {
    const reply = await api.post<{ details: { field: string; reason: string }[] }>(
      '/api/v1/namespaces/team-a/jobs',
      {
        name: 'escape',
        command: 'id',
        cronExpr: '@yearly',
        target: { labels: { pool: 'team-b' } },
      },
    );
    expect(reply.status).toBe(422);
    expect(reply.body.details).toEqual([
      { field: 'target.labels.pool', reason: "the namespace's pool requires pool=team-a" },
    ]);
  });

  it('never runs a job written straight into etcd with a target outside its pool, and says so', async () => {
    const now = new Date().toISOString();
    const spec = (name: string, labels: Record<string, string>) =>
      JSON.stringify({
        name,
        namespace: 'team-a',
        command: 'true',
        cronExpr: '* * * * * *',
        target: { labels, mode: 'one' },
        enabled: true,
        createdAt: now,
        updatedAt: now,
      });
    // The rogue job first: a worker that saw the control job also saw it.
    await etcd.put(keys.spec('team-a', 'rogue')).value(spec('rogue', { pool: 'team-b' }));
    await etcd.put(keys.spec('team-a', 'control')).value(spec('control', {}));
    await eventually(async () => {
      const page = await api.get<{ items: RunBody[] }>(
        '/api/v1/namespaces/team-a/jobs/control/runs',
      );
      return page.body.items.filter((run) => run.status === 'succeeded').length >= 3;
    }, 30000);
    const rogue = await api.get<{ items: RunBody[] }>('/api/v1/namespaces/team-a/jobs/rogue/runs');
    expect(rogue.body.items).toEqual([]);
    const control = await api.get<{ items: RunBody[] }>(
      '/api/v1/namespaces/team-a/jobs/control/runs',
    );
    expect(new Set(control.body.items.map((run) => run.workerId))).toEqual(new Set(['w-a']));
    // Said by the worker that holds team-a's partitions (the only one of its pool), which is
    // the one the job would run on.
    const [poolA] = workers;
    expect(poolA.logs()).toContainEqual(
      expect.objectContaining({
        job: 'team-a:rogue',
        msg: "job not run: its target contradicts its namespace's worker pool (pool=team-a)",
      }),
    );
    await etcd.delete().key(keys.spec('team-a', 'control'));
    await etcd.delete().key(keys.spec('team-a', 'rogue'));
  }, 60_000);

  it('the CLI works in a namespace with -n (and CRONPLANE_NAMESPACE), and refuses a bad one', async () => {
    const env = { CRONPLANE_URL: master.baseUrl, CRONPLANE_TOKEN: ADMIN };
    const listed = await cli(['-n', 'team-a', 'get', 'jobs', '-o', 'json'], { env });
    expect(listed.code).toBe(0);
    const jobs = JSON.parse(listed.stdout) as { name: string; namespace: string }[];
    expect(jobs.map((job) => [job.namespace, job.name])).toEqual([['team-a', 'etl']]);
    const viaEnv = await cli(['describe', 'job', 'etl', '-o', 'json'], {
      env: { ...env, CRONPLANE_NAMESPACE: 'team-b' },
    });
    expect(viaEnv.code).toBe(0);
    expect(JSON.parse(viaEnv.stdout)).toMatchObject({ name: 'etl', namespace: 'team-b' });
    expect((await cli(['get', 'jobs', '-o', 'json'], { env })).stdout.trim()).toBe('[]');
    const bad = await cli(['-n', 'Team_A', 'get', 'jobs'], { env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toEqual([
      'cronplane: namespace "Team_A" is not a namespace name (1-63 of a-z, 0-9 and "-")',
    ]);
  }, 60_000);

  it('deletes a namespace only while it holds no job', async () => {
    expect((await api.delete('/api/v1/namespaces/team-b')).status).toBe(409);
    expect((await api.delete('/api/v1/namespaces/team-b/jobs/etl')).status).toBe(204);
    await eventually(
      async () => (await api.delete('/api/v1/namespaces/team-b')).status === 204,
      10000,
    );
    expect((await api.get('/api/v1/namespaces/team-b')).status).toBe(404);
    expect((await api.delete('/api/v1/namespaces/default')).status).toBe(400);
  });
});
