/**
 * Jobs that depend on jobs, through the API with a worker in the same process (ROLE=all):
 * cycle refusal naming the cycle, dangling parents, upstream and downstream, the graph, a
 * one-parent child (its parent's run id and env), `on: failed`, and fan-in over two parents.
 * Parents are run by hand, so every count is exact.
 */
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, eventually } from '../api/api-client';
import { cli, scratchHome } from '../cli/support/cli';

const ADMIN = 'e2e-admin-token-dependencies-0123456789';

interface RunBody {
  runId: string;
  job: string;
  status: string;
  trigger: string;
  output?: string;
  parentJob?: string;
  parentRunId?: string;
}

describe('job dependencies through the API', () => {
  let app: AppProcess;
  let api: ApiClient;

  beforeAll(async () => {
    app = await startApp(
      appEnv(isolationId('deps'), {
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

  const create = async (body: Record<string, unknown>): Promise<number> =>
    (await api.post('/api/v1/jobs', { command: 'true', ...body })).status;
  const runsOf = async (job: string): Promise<RunBody[]> =>
    (await api.get<{ items: RunBody[] }>(`/api/v1/jobs/${job}/runs?limit=100`)).body.items;
  const runOnce = async (job: string): Promise<string> => {
    const { body } = await api.post<{ runId: string }>(`/api/v1/jobs/${job}/run`);
    await eventually(async () => {
      const reply = await api.get<RunBody>(`/api/v1/runs/${encodeURIComponent(body.runId)}`);
      return reply.status === 200 && reply.body.status !== 'running';
    }, 20000);
    return body.runId;
  };
  const finished = async (job: string, count: number): Promise<RunBody[]> => {
    let runs: RunBody[] = [];
    await eventually(async () => {
      runs = (await runsOf(job)).filter((run) => run.status !== 'running');
      return runs.length >= count;
    }, 20000);
    return runs;
  };

  it('refuses a cycle with 422 naming it, and a job after itself', async () => {
    expect(await create({ name: 'cy-a', cronExpr: '@yearly' })).toBe(201);
    expect(await create({ name: 'cy-b', after: [{ job: 'cy-a' }] })).toBe(201);
    expect(await create({ name: 'cy-c', after: [{ job: 'cy-b' }] })).toBe(201);
    const reply = await api.patch<{ message: string; details: { field: string }[] }>(
      '/api/v1/jobs/cy-a',
      { after: [{ job: 'cy-c' }] },
    );
    expect(reply.status).toBe(422);
    expect(reply.body.message).toBe('after: cycle cy-a → cy-c → cy-b → cy-a');
    expect(reply.body.details).toEqual([
      { field: 'after', reason: 'cycle cy-a → cy-c → cy-b → cy-a' },
    ]);
    const self = await api.post<{ message: string }>('/api/v1/jobs', {
      name: 'cy-self',
      command: 'true',
      after: [{ job: 'cy-self' }],
    });
    expect(self.status).toBe(422);
    expect(self.body.message).toBe('after: cycle cy-self → cy-self');
    // Bad input names the field.
    const bad = await api.post<{ message: string }>('/api/v1/jobs', {
      name: 'cy-bad',
      command: 'true',
      after: [{ job: 'cy-a', on: 'sometimes' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('after');
    expect(bad.body.message).toContain('on');
    // Without `after`, a schedule is still required.
    expect(await create({ name: 'cy-none' })).toBe(400);
  });

  it('shows dangling parents, upstream and downstream, and the graph; deleting a parent leaves its child', async () => {
    expect(await create({ name: 'dg-p', cronExpr: '@yearly' })).toBe(201);
    expect(
      await create({
        name: 'dg-c',
        after: [{ job: 'dg-p', on: 'completed' }, { job: 'dg-missing' }],
      }),
    ).toBe(201);
    const child = await api.get<Record<string, unknown>>('/api/v1/jobs/dg-c');
    expect(child.body).toMatchObject({
      cronExpr: '',
      after: [
        { job: 'dg-p', on: 'completed' },
        { job: 'dg-missing', on: 'succeeded' },
      ],
      danglingParents: ['dg-missing'],
      upstream: [
        { job: 'dg-p', on: 'completed', exists: true },
        { job: 'dg-missing', on: 'succeeded', exists: false },
      ],
      nextFireTimes: [],
    });
    const parent = await api.get<Record<string, unknown>>('/api/v1/jobs/dg-p');
    expect(parent.body).toMatchObject({ downstream: [{ job: 'dg-c', on: 'completed' }] });
    const graph = await api.get<{ nodes: unknown[]; edges: unknown[] }>('/api/v1/dependencies');
    expect(graph.body.edges).toEqual(
      expect.arrayContaining([
        { from: 'dg-p', to: 'dg-c', on: 'completed' },
        { from: 'dg-missing', to: 'dg-c', on: 'succeeded' },
      ]),
    );
    expect(graph.body.nodes).toEqual(
      expect.arrayContaining([
        { job: 'dg-missing', exists: false },
        { job: 'dg-c', exists: true },
      ]),
    );
    // The CLI shows both directions.
    const { home, config } = scratchHome();
    const env = {
      HOME: home,
      CRONPLANE_CONFIG: config,
      CRONPLANE_URL: app.baseUrl,
      CRONPLANE_TOKEN: ADMIN,
    };
    const described = await cli(['describe', 'job', 'dg-c'], { env });
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(
      /^Schedule: +<none: runs after its upstream jobs, or by hand>$/m,
    );
    expect(described.stdout).toMatch(
      /^Upstream: +dg-p \(on completed\), dg-missing \(on succeeded, missing\)$/m,
    );
    expect((await cli(['describe', 'job', 'dg-p'], { env })).stdout).toMatch(
      /^Downstream: +dg-c \(on completed\)$/m,
    );
    // Export and apply: `after` goes round; applying the export again changes nothing.
    const dir = mkdtempSync(join(tmpdir(), 'cronplane-deps-export-'));
    expect((await cli(['export', '--dir', dir], { env })).code).toBe(0);
    const file = readdirSync(dir).find((name) => name.startsWith('dg-c'))!;
    const text = readFileSync(join(dir, file), 'utf8');
    expect(text).toContain('after:');
    writeFileSync(join(dir, file), text.replace('dg-missing', 'dg-other'));
    const applied = await cli(['apply', '-f', join(dir, file)], { env });
    expect(applied.code).toBe(0);
    const reapplied = await cli(['apply', '-f', join(dir, file), '--dry-run'], { env });
    expect(reapplied.stdout).not.toContain('dg-other');
    expect(
      (await api.get<{ danglingParents: string[] }>('/api/v1/jobs/dg-c')).body.danglingParents,
    ).toEqual(['dg-other']);
    expect((await api.delete('/api/v1/jobs/dg-p')).status).toBe(204);
    const after = await api.get<{ danglingParents: string[] }>('/api/v1/jobs/dg-c');
    expect(after.status).toBe(200);
    expect(after.body.danglingParents).toEqual(['dg-p', 'dg-other']);
  });

  it('runs a child once per matching parent run, with the parent run id and env', async () => {
    expect(
      await create({
        name: 'one-p',
        cronExpr: '@yearly',
        command: 'exit $FAIL',
        env: { FAIL: '0' },
      }),
    ).toBe(201);
    expect(
      await create({
        name: 'one-ok',
        after: [{ job: 'one-p' }],
        command: 'echo "parent=$CRON_PARENT_JOB run=$CRON_PARENT_RUN_ID"',
      }),
    ).toBe(201);
    expect(await create({ name: 'one-bad', after: [{ job: 'one-p', on: 'failed' }] })).toBe(201);
    expect(await create({ name: 'one-any', after: [{ job: 'one-p', on: 'completed' }] })).toBe(201);
    const first = await runOnce('one-p');
    const second = await runOnce('one-p');
    const ok = await finished('one-ok', 2);
    expect(ok.map((run) => run.parentRunId).sort()).toEqual([first, second].sort());
    for (const run of ok) {
      expect(run).toMatchObject({ trigger: 'dependency', status: 'succeeded', parentJob: 'one-p' });
      const full = await api.get<RunBody>(`/api/v1/runs/${encodeURIComponent(run.runId)}`);
      expect(full.body.output).toBe(`parent=one-p run=${run.parentRunId}\n`);
    }
    // A failing parent run: `failed` and `completed` children run, `succeeded` ones do not.
    expect((await api.patch('/api/v1/jobs/one-p', { env: { FAIL: '3' } })).status).toBe(200);
    const failed = await runOnce('one-p');
    const bad = await finished('one-bad', 1);
    expect(bad.map((run) => run.parentRunId)).toEqual([failed]);
    const any = await finished('one-any', 3);
    expect(any.map((run) => run.parentRunId).sort()).toEqual([first, second, failed].sort());
    // Nothing else comes.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await runsOf('one-ok')).length).toBe(2);
    expect((await runsOf('one-bad')).length).toBe(1);
    expect((await runsOf('one-any')).length).toBe(3);
  });

  it('waits for the last attempt of a retried parent run', async () => {
    expect(
      await create({
        name: 'rt-p',
        cronExpr: '@yearly',
        command: 'exit 1',
        retries: { max: 1, backoffSeconds: 0 },
      }),
    ).toBe(201);
    expect(await create({ name: 'rt-c', after: [{ job: 'rt-p', on: 'failed' }] })).toBe(201);
    await runOnce('rt-p');
    const attempts = await finished('rt-p', 2);
    const last = attempts.find((run) => run.runId.endsWith('#2'))!;
    expect(last.status).toBe('failed');
    const child = await finished('rt-c', 1);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await runsOf('rt-c')).map((run) => run.parentRunId)).toEqual([last.runId]);
    expect(child).toHaveLength(1);
  });

  it('fan-in: runs once every parent has had a matching run since its last dependency run', async () => {
    expect(await create({ name: 'fan-x', cronExpr: '@yearly' })).toBe(201);
    expect(await create({ name: 'fan-y', cronExpr: '@yearly' })).toBe(201);
    expect(await create({ name: 'fan-z', after: [{ job: 'fan-x' }, { job: 'fan-y' }] })).toBe(201);
    await runOnce('fan-x');
    await runOnce('fan-x');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await runsOf('fan-z')).toEqual([]);
    const y1 = await runOnce('fan-y');
    const z1 = await finished('fan-z', 1);
    expect(z1.map((run) => [run.parentJob, run.parentRunId])).toEqual([['fan-y', y1]]);
    await runOnce('fan-y');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await runsOf('fan-z')).length).toBe(1);
    const x3 = await runOnce('fan-x');
    const z2 = await finished('fan-z', 2);
    expect(z2.map((run) => run.parentRunId)).toContain(x3);
    expect(z2.every((run) => run.trigger === 'dependency')).toBe(true);
  });
});
