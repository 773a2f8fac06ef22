/**
 * The CLI's read verbs against a real master with a worker: get jobs|runs|workers|alerts in
 * every output format, describe job, cron, and the errors (bad token, refused connection, a 400
 * naming its field, unknown resource), each as one line on stderr with a non-zero exit.
 */
import { spawn } from 'node:child_process';
import { parse } from 'yaml';
import { freePort } from '../../tools/stack/ports';
import { eventually } from '../api/api-client';
import { cli, CliCluster, LAUNCHER, lines, startCluster } from './support/cli';

const TOKEN = 'e2e-cli-read-admin-token-0123456789';

interface RunBody {
  runId: string;
  status: string;
}

describe('cronplane get, describe and cron', () => {
  let cluster: CliCluster;
  let failedRun: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    cluster = await startCluster('cliread', TOKEN);
    env = cluster.env;
    const { api } = cluster;
    const jobs = [
      {
        name: 'alpha',
        command: 'echo alpha',
        cronExpr: '0 2 * * *',
        timezone: 'Europe/Paris',
        labels: { team: 'ops' },
      },
      { name: 'beta', command: `echo ${'x'.repeat(150)}`, cronExpr: '*/5 * * * *', enabled: false },
      { name: 'failing', command: 'echo about to fail; exit 3', cronExpr: '@yearly' },
    ];
    for (const job of jobs) expect((await api.post('/api/v1/jobs', job)).status).toBe(201);
    failedRun = (await api.post<{ runId: string }>('/api/v1/jobs/failing/run')).body.runId;
    const path = `/api/v1/runs/${encodeURIComponent(failedRun)}`;
    await eventually(async () => (await api.get<RunBody>(path)).body?.status === 'failed', 30000);
    await eventually(
      async () =>
        ((await api.get<{ items: unknown[] }>('/api/v1/alerts')).body?.items ?? []).length > 0,
      30000,
    );
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('get jobs prints a table with a header and one row per job, whole (stdout is not a terminal)', async () => {
    const result = await cli(['get', 'jobs'], { env });
    expect(result.code).toBe(0);
    const rows = lines(result.stdout);
    expect(rows[0].split(/\s{2,}/)).toEqual([
      'NAME',
      'SCHEDULE',
      'TIMEZONE',
      'ENABLED',
      'TYPE',
      'COMMAND',
    ]);
    expect(rows[1].split(/\s{2,}/)[4]).toBe('shell');
    expect(rows.slice(1).map((row) => row.split(/\s+/)[0])).toEqual(['alpha', 'beta', 'failing']);
    expect(rows[2]).toContain('paused');
    // Not a terminal: the long command is not cut, and there is no colour.
    expect(rows[2]).toContain(`echo ${'x'.repeat(150)}`);
    expect(result.stdout).not.toContain('\u001b[');
  });

  it('get jobs -o wide adds the wide columns', async () => {
    const result = await cli(['get', 'jobs', '-o', 'wide'], { env });
    expect(result.code).toBe(0);
    expect(lines(result.stdout)[0].split(/\s{2,}/)).toEqual([
      'NAME',
      'SCHEDULE',
      'TIMEZONE',
      'ENABLED',
      'LABELS',
      'TARGET',
      'MANAGED BY',
      'TIMEOUT',
      'CONCURRENCY',
      'DESCRIPTION',
      'TYPE',
      'COMMAND',
    ]);
  });

  it("get jobs -l selects by the jobs' own labels", async () => {
    const result = await cli(['get', 'jobs', '-l', 'team=ops', '-o', 'json'], { env });
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as Array<{ name: string }>).map((job) => job.name)).toEqual([
      'alpha',
    ]);
    const none = await cli(['get', 'jobs', '-l', 'team=nobody'], { env });
    expect(none).toMatchObject({ code: 0, stdout: '', stderr: 'No jobs found.\n' });
  });

  it('get jobs -o json and -o yaml parse to the jobs the API holds', async () => {
    const json = await cli(['get', 'jobs', '-o', 'json'], { env });
    expect(json.code).toBe(0);
    const fromJson = JSON.parse(json.stdout) as Array<{
      name: string;
      cronExpr: string;
      timezone: string;
    }>;
    expect(fromJson.map((job) => job.name)).toEqual(['alpha', 'beta', 'failing']);
    expect(fromJson[0]).toMatchObject({ cronExpr: '0 2 * * *', timezone: 'Europe/Paris' });
    const yaml = await cli(['get', 'jobs', '-o', 'yaml', '--prefix', 'al'], { env });
    expect(yaml.code).toBe(0);
    expect(parse(yaml.stdout)).toEqual([fromJson[0]]);
  });

  it('get runs (all jobs, and of one job) shows the failed run with its exit code', async () => {
    const all = await cli(['get', 'runs', '-o', 'json'], { env });
    expect(all.code).toBe(0);
    const runs = JSON.parse(all.stdout) as Array<{
      runId: string;
      job: string;
      status: string;
      exitCode: number;
    }>;
    expect(runs).toEqual([
      expect.objectContaining({ runId: failedRun, job: 'failing', status: 'failed', exitCode: 3 }),
    ]);
    const table = await cli(['get', 'runs', 'failing'], { env });
    expect(table.code).toBe(0);
    const rows = lines(table.stdout);
    expect(rows[0].split(/\s{2,}/)).toEqual([
      'RUN',
      'JOB',
      'STATUS',
      'EXIT',
      'TRIGGER',
      'STARTED',
      'DURATION',
    ]);
    expect(rows).toHaveLength(2);
    expect(rows[1].split(/\s+/).slice(0, 5)).toEqual([
      failedRun,
      'failing',
      'failed',
      '3',
      'manual',
    ]);
    const none = await cli(['get', 'runs', 'alpha'], { env });
    expect(none).toMatchObject({ code: 0, stdout: '' });
    expect(none.stderr).toBe('No runs found.\n');
  });

  it('get workers lists the one live worker', async () => {
    const table = await cli(['get', 'workers'], { env });
    expect(table.code).toBe(0);
    expect(lines(table.stdout)).toHaveLength(2);
    const yaml = await cli(['get', 'workers', '-o', 'yaml'], { env });
    const workers = parse(yaml.stdout) as Array<{ id: string; running: number }>;
    expect(workers).toHaveLength(1);
    expect(lines(table.stdout)[1]).toContain(workers[0].id);
  });

  it("get alerts shows the failed run's alert", async () => {
    const json = await cli(['get', 'alerts', '-o', 'json'], { env });
    expect(json.code).toBe(0);
    const alerts = JSON.parse(json.stdout) as Array<{ job: string; runId: string; status: string }>;
    expect(alerts).toEqual([
      expect.objectContaining({ job: 'failing', runId: failedRun, status: 'failed' }),
    ]);
    const table = await cli(['get', 'alerts', '--job', 'failing'], { env });
    expect(lines(table.stdout)[0].split(/\s{2,}/)).toEqual([
      'JOB',
      'RUN',
      'STATUS',
      'DELIVERY',
      'RAISED',
    ]);
    expect(lines(table.stdout)[1]).toContain(failedRun);
  });

  it('describe job shows the schedule in words, 5 next fire times, the last runs and the owner worker', async () => {
    const workers = JSON.parse(
      (await cli(['get', 'workers', '-o', 'json'], { env })).stdout,
    ) as Array<{ id: string }>;
    const alpha = await cli(['describe', 'job', 'alpha'], { env });
    expect(alpha.code).toBe(0);
    expect(alpha.stdout).toMatch(/^Name: +alpha$/m);
    expect(alpha.stdout).toMatch(/^Schedule: +0 2 \* \* \* +\(At 02:00, every day\)$/m);
    expect(alpha.stdout).toMatch(/^Timezone: +Europe\/Paris$/m);
    expect(alpha.stdout).toMatch(new RegExp(`^Owner worker: +${workers[0].id} `, 'm'));
    const next = alpha.stdout.split('Next fire times:\n')[1].split('Last runs:')[0];
    expect(lines(next)).toHaveLength(5);
    for (const line of lines(next))
      expect(line).toMatch(
        /^ {2}\S+T02:00:00(\.000)?\+0[12]:00 +\(in \d+ (hours?|days?|minutes?)\)$/,
      );
    expect(alpha.stdout).toMatch(/Last runs:\n {2}<none>/);
    const failing = await cli(['describe', 'job', 'failing'], { env });
    expect(failing.code).toBe(0);
    const runs = failing.stdout.split('Last runs:\n')[1];
    expect(lines(runs)).toHaveLength(2);
    expect(lines(runs)[1]).toContain(failedRun);
    const json = await cli(['describe', 'job', 'failing', '-o', 'json'], { env });
    expect(JSON.parse(json.stdout)).toMatchObject({
      name: 'failing',
      owners: [workers[0].id],
      recentRuns: [expect.objectContaining({ runId: failedRun })],
    });
  });

  it('cron explains an expression and prints its next 5 times from the API', async () => {
    const result = await cli(['cron', '30 6 * * mon-fri', '--timezone', 'America/New_York'], {
      env,
    });
    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toBe('30 6 * * mon-fri: At 06:30, on Monday through Friday (America/New_York)');
    expect(out[1]).toBe('Next 5 times:');
    expect(out.slice(2)).toHaveLength(5);
    for (const line of out.slice(2))
      expect(line).toMatch(/^ {2}\S+T06:30:00(\.000)?-0[45]:00 +\((in|\d)/);
    const json = await cli(['cron', '@every 90s', '-o', 'json', '-c', '3'], { env });
    expect(JSON.parse(json.stdout)).toMatchObject({ expr: '@every 90s', description: 'Every 90s' });
    expect((JSON.parse(json.stdout) as { next: string[] }).next).toHaveLength(3);
  });

  it("an API 400 is one line naming the field and the API's reason", async () => {
    const result = await cli(['cron', '1 2 3'], { env });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^cronplane: expr: .*expected 5 fields.* \(HTTP 400\)\n$/);
  });

  it('a missing job is one line with the 404', async () => {
    const result = await cli(['describe', 'job', 'nope'], { env });
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      expect.stringMatching(/^cronplane: .*nope.* \(HTTP 404\)$/),
    ]);
  });

  it('a bad token is one line, exit non-zero, and the token is not printed', async () => {
    const secret = 'not-the-right-token-abcdef';
    const result = await cli(['get', 'jobs'], { env: { ...env, CRONPLANE_TOKEN: secret } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toEqual([expect.stringMatching(/^cronplane: .*\(HTTP 401\)$/)]);
    expect(result.stderr).not.toContain(secret);
    const flag = await cli(['--token', secret, 'get', 'jobs'], {
      env: { CRONPLANE_URL: env.CRONPLANE_URL },
    });
    expect(flag.code).toBe(1);
    expect(flag.stderr).not.toContain(secret);
  });

  it('a refused connection is one line naming the URL', async () => {
    // A port just found free, so nothing listens on it.
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await cli(['get', 'jobs', '--server', url], {
      env: { CRONPLANE_TOKEN: TOKEN },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`cronplane: cannot connect to ${url}: connection refused\n`);
  });

  it('a reader that closes the pipe early (`| head`) is no error', async () => {
    const child = spawn(process.execPath, [LAUNCHER, 'get', 'jobs'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Closed before the CLI writes anything: its first write fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.once('close', done));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('usage errors are one line too', async () => {
    const unknown = await cli(['get', 'pods'], { env });
    expect(unknown.code).toBe(1);
    expect(lines(unknown.stderr)).toEqual([
      'cronplane: get: unknown resource "pods" (expected jobs, runs, workers, alerts, tokens or backfills)',
    ]);
    const format = await cli(['get', 'jobs', '-o', 'xml'], { env });
    expect(format.code).toBe(1);
    expect(lines(format.stderr)).toHaveLength(1);
    expect(format.stderr).toContain('table, wide, json, yaml');
    const verb = await cli(['frobnicate'], { env });
    expect(verb.code).toBe(1);
    expect(lines(verb.stderr)).toEqual([
      expect.stringMatching(/^cronplane: unknown command 'frobnicate'/),
    ]);
  });
});
