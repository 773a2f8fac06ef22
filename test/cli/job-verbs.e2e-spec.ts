/**
 * The CLI's write verbs against a real master with a worker: run, logs (-f following a running
 * job to its end and exiting with its exit code), kill, pause, resume and delete (which refuses
 * without --yes when stdin is not a terminal).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../api/api-client';
import { cli, CliCluster, lines, startCli, startCluster } from './support/cli';

const TOKEN = 'e2e-cli-write-admin-token-0123456789';

interface RunBody {
  runId: string;
  status: string;
  exitCode?: number;
  output?: string;
}

/** A command that prints, waits until the test creates `gate`, prints again and exits `code`. */
function gated(gate: string, code: number): string {
  return `echo first line; while [ ! -e ${gate} ]; do sleep 0.1; done; echo second line; exit ${code}`;
}

describe('cronplane run, logs, kill, pause, resume and delete', () => {
  let cluster: CliCluster;
  let env: Record<string, string>;
  let scratch: string;
  let helloRun: string;

  const runOf = async (runId: string): Promise<RunBody> =>
    (await cluster.api.get<RunBody>(`/api/v1/runs/${encodeURIComponent(runId)}`)).body;

  beforeAll(async () => {
    cluster = await startCluster('cliwrite', TOKEN);
    env = cluster.env;
    scratch = mkdtempSync(join(tmpdir(), 'cronplane-cli-gates-'));
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('run prints the run id of a manual run the worker executes', async () => {
    expect(
      (
        await cluster.api.post('/api/v1/jobs', {
          name: 'hello',
          command: 'echo hello world',
          cronExpr: '@yearly',
        })
      ).status,
    ).toBe(201);
    const result = await cli(['run', 'hello'], { env });
    expect(result.code).toBe(0);
    const runId = result.stdout.trim();
    helloRun = runId;
    expect(lines(result.stdout)).toHaveLength(1);
    await eventually(async () => (await runOf(runId))?.status === 'succeeded', 30000);
    const logs = await cli(['logs', runId], { env });
    expect(logs).toMatchObject({ code: 0, stdout: 'hello world\n' });
  });

  it("run warns at once when no live worker matches the job's target", async () => {
    expect(
      (
        await cluster.api.post('/api/v1/jobs', {
          name: 'pinned',
          command: 'true',
          cronExpr: '@yearly',
          target: { labels: { host: 'elsewhere' } },
        })
      ).status,
    ).toBe(201);
    const result = await cli(['run', 'pinned'], { env });
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual([expect.stringMatching(/^pinned@\d+!/)]);
    expect(lines(result.stderr)).toEqual([
      "warning: no live worker matches the job's target (host=elsewhere); the run starts when one registers",
    ]);
    // A job a worker matches gets no warning.
    const matched = await cli(['run', 'hello'], { env });
    expect(matched).toMatchObject({ code: 0, stderr: '' });
    expect((await cluster.api.delete('/api/v1/jobs/pinned')).status).toBe(204);
  });

  it('logs -f follows a running job live to its end and exits with its exit code', async () => {
    const gate = join(scratch, 'logs-gate');
    await cluster.api.post('/api/v1/jobs', {
      name: 'gated',
      command: gated(gate, 7),
      cronExpr: '@yearly',
    });
    const { runId } = (await cluster.api.post<{ runId: string }>('/api/v1/jobs/gated/run')).body;
    await eventually(async () => (await runOf(runId))?.status === 'running', 30000);
    const follow = startCli(['logs', runId, '-f'], { env });
    // The first line arrives while the run is still waiting for the gate: that is live output.
    await eventually(async () => follow.stdout().includes('first line'), 30000);
    expect((await runOf(runId)).status).toBe('running');
    expect(follow.stdout()).not.toContain('second line');
    writeFileSync(gate, '');
    const result = await follow.done;
    expect(result.stdout).toBe('first line\nsecond line\n');
    expect(result.code).toBe(7);
    expect(lines(result.stderr)).toEqual([`run ${runId} ended failed: exit code 7`]);
    expect((await runOf(runId)).status).toBe('failed');
  });

  it('logs -f of a run that already ended prints its output and exits with its code', async () => {
    const { runId } = (await cluster.api.post<{ runId: string }>('/api/v1/jobs/hello/run')).body;
    await eventually(async () => (await runOf(runId))?.status === 'succeeded', 30000);
    const result = await cli(['logs', '-f', runId], { env });
    expect(result).toMatchObject({ code: 0, stdout: 'hello world\n', stderr: '' });
  });

  it('run -f triggers, follows and exits 0 for a run that succeeds', async () => {
    const gate = join(scratch, 'run-gate');
    await cluster.api.post('/api/v1/jobs', {
      name: 'gated-ok',
      command: gated(gate, 0),
      cronExpr: '@yearly',
    });
    const follow = startCli(['run', 'gated-ok', '--follow'], { env });
    await eventually(async () => follow.stdout().includes('first line'), 30000);
    writeFileSync(gate, '');
    const result = await follow.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('first line\nsecond line\n');
    expect(result.stderr).toMatch(/^run gated-ok@\S+ triggered\n$/);
  });

  it('logs of an unknown run is one line with the 404', async () => {
    const result = await cli(['logs', 'nope@1'], { env });
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      expect.stringMatching(/^cronplane: .*not found.*\(HTTP 404\)$/),
    ]);
  });

  it('kill stops the running run of a job, which ends killed', async () => {
    await cluster.api.post('/api/v1/jobs', {
      name: 'sleepy',
      command: 'sleep 60',
      cronExpr: '@yearly',
    });
    const { runId } = (await cluster.api.post<{ runId: string }>('/api/v1/jobs/sleepy/run')).body;
    await eventually(async () => (await runOf(runId))?.status === 'running', 30000);
    const result = await cli(['kill', 'sleepy'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`job sleepy: kill requested for ${runId}\n`);
    await eventually(async () => (await runOf(runId))?.status === 'killed', 30000);
    // One run, by its id.
    const second = (await cluster.api.post<{ runId: string }>('/api/v1/jobs/sleepy/run')).body
      .runId;
    await eventually(async () => (await runOf(second))?.status === 'running', 30000);
    const byId = await cli(['kill', '--run', second], { env });
    expect(byId).toMatchObject({ code: 0, stdout: `run ${second} kill requested\n` });
    await eventually(async () => (await runOf(second))?.status === 'killed', 30000);
    // Nothing to kill: a job that never ran, and a run that ended long ago (409).
    await cluster.api.post('/api/v1/jobs', { name: 'idle', command: 'true', cronExpr: '@yearly' });
    const idle = await cli(['kill', 'idle'], { env });
    expect(idle).toMatchObject({ code: 0, stdout: 'job idle: no run is running\n' });
    const ended = await cli(['kill', '--run', helloRun], { env });
    expect(ended.code).toBe(1);
    expect(lines(ended.stderr)).toEqual([
      expect.stringMatching(/^cronplane: .*is not running \(status succeeded\) \(HTTP 409\)$/),
    ]);
  });

  it('pause and resume set enabled', async () => {
    const paused = await cli(['pause', 'hello'], { env });
    expect(paused).toMatchObject({ code: 0, stdout: 'job hello paused\n' });
    expect((await cluster.api.get<{ enabled: boolean }>('/api/v1/jobs/hello')).body.enabled).toBe(
      false,
    );
    const resumed = await cli(['resume', 'hello'], { env });
    expect(resumed).toMatchObject({ code: 0, stdout: 'job hello resumed\n' });
    expect((await cluster.api.get<{ enabled: boolean }>('/api/v1/jobs/hello')).body.enabled).toBe(
      true,
    );
    const missing = await cli(['pause', 'nope'], { env });
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toHaveLength(1);
  });

  it('delete without --yes on a non-terminal stdin refuses in one line and deletes nothing', async () => {
    const result = await cli(['delete', 'hello'], { env, input: 'y\n' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'cronplane: Delete job hello: stdin is not a terminal, pass --yes\n',
    );
    expect((await cluster.api.get('/api/v1/jobs/hello')).status).toBe(200);
  });

  it('delete --yes deletes (also as `delete job NAME`, several at once)', async () => {
    const one = await cli(['delete', 'hello', '--yes'], { env });
    expect(one).toMatchObject({ code: 0, stdout: 'job hello deleted\n' });
    expect((await cluster.api.get('/api/v1/jobs/hello')).status).toBe(404);
    const two = await cli(['delete', 'job', 'gated', 'gated-ok', '-y'], { env });
    expect(two).toMatchObject({ code: 0, stdout: 'job gated deleted\njob gated-ok deleted\n' });
    const names = (await cluster.api.get<{ items: Array<{ name: string }> }>('/api/v1/jobs')).body
      .items;
    expect(names.map((job) => job.name)).toEqual(['idle', 'sleepy']);
    const missing = await cli(['delete', 'hello', '--yes'], { env });
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toEqual([expect.stringMatching(/^cronplane: .*\(HTTP 404\)$/)]);
    expect(existsSync(scratch)).toBe(true);
  });
});
