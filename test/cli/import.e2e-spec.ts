/**
 * `cronplane import crontab` as a child process against a real master with a worker labelled
 * host=e2e-host: the Debian crontabs and the tricky lines printed as a job file (--dry-run),
 * created through the API (--apply) and read back field by field; a job with SHELL and `%`
 * input run by the real worker, its output showing the shell and the input were used; files with
 * a line that cannot be carried over (an @reboot, a user the worker is not) create nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ApiClient, eventually } from '../api/api-client';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId } from '../support/env';
import { cli, lines, ROOT } from './support/cli';

const TOKEN = 'e2e-cli-import-admin-token-0123456789';
const FIXTURES = join(ROOT, 'test', 'fixtures', 'crontabs');
const HOST = 'e2e-host';
/** The Debian files whose lines are all root's (the worker here runs as root). */
const ROOT_FILES = ['anacron', 'certbot', 'e2scrub_all', 'mdadm', 'munin-node', 'php', 'sysstat'];
const ROOT_PATHS = [
  join(FIXTURES, 'debian', 'etc', 'crontab'),
  ...ROOT_FILES.map((name) => join(FIXTURES, 'debian', 'cron.d', name)),
];
const DEBIAN_PATH = '/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin';

interface JobBody {
  name: string;
  cronExpr: string;
  timezone: string;
  command: string;
  shell?: string;
  stdin?: string;
  env: Record<string, string>;
  target: { labels: Record<string, string>; mode: string };
  concurrencyPolicy: string;
  misfirePolicy: string;
}

interface RunBody {
  status: string;
  output?: string;
  exitCode?: number;
}

describe('cronplane import crontab', () => {
  let app: AppProcess;
  let api: ApiClient;
  let env: Record<string, string>;

  const jobNames = async (): Promise<string[]> =>
    (await api.get<{ items: JobBody[] }>('/api/v1/jobs?limit=500')).body.items
      .map((job) => job.name)
      .sort();

  beforeAll(async () => {
    app = await startApp(
      appEnv(isolationId('cliimport'), {
        ROLE: 'all',
        CRON_ADMIN_TOKEN: TOKEN,
        SESSION_TTL_SECONDS: '3',
        WORKER_LABELS: `host=${HOST}`,
      }),
    );
    api = new ApiClient(app.baseUrl, TOKEN);
    await eventually(
      async () => ((await api.get<unknown[]>('/api/v1/workers')).body ?? []).length === 1,
      20000,
    );
    env = { CRONPLANE_URL: app.baseUrl, CRONPLANE_TOKEN: TOKEN };
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('prints the Debian crontabs as a job file without touching the server', async () => {
    const result = await cli(
      [
        'import',
        'crontab',
        '--host',
        HOST,
        '--timezone',
        'Europe/Berlin',
        '--dry-run',
        ...ROOT_PATHS,
      ],
      { env: { CRONPLANE_URL: 'http://127.0.0.1:9' } },
    );
    expect(result.code).toBe(0);
    expect(lines(result.stderr)).toEqual([
      `${join(FIXTURES, 'debian', 'cron.d', 'munin-node')}:5: warning: MAILTO=root: cronplane has no email alert channel, so failures of the jobs below are not mailed; they raise the job's webhook alerts instead`,
    ]);
    const docs = parseAllDocuments(result.stdout).map((doc) => doc.toJS() as JobBody);
    expect(docs.map((doc) => [doc.name, doc.cronExpr])).toEqual([
      [`${HOST}-crontab-run-parts-cron.hourly`, '17 * * * *'],
      [`${HOST}-crontab-run-parts-cron.daily`, '25 6 * * *'],
      [`${HOST}-crontab-run-parts-cron.weekly`, '47 6 * * 7'],
      [`${HOST}-crontab-run-parts-cron.monthly`, '52 6 1 * *'],
      [`${HOST}-anacron-invoke-rc.d-start`, '30 7-23 * * *'],
      [`${HOST}-certbot-perl-renew`, '0 */12 * * *'],
      [`${HOST}-e2scrub_all-e2scrub_all_cron`, '30 3 * * 0'],
      [`${HOST}-e2scrub_all`, '10 3 * * *'],
      [`${HOST}-mdadm-checkarray`, '57 0 * * 0'],
      [`${HOST}-munin-node-apt_all-update-apt`, '*/5 * * * *'],
      [`${HOST}-php-sessionclean`, '9,39 * * * *'],
      [`${HOST}-sysstat-debian-sa1`, '5-55/10 * * * *'],
      [`${HOST}-sysstat-debian-sa1-2`, '59 23 * * *'],
    ]);
    expect(docs[0]).toEqual({
      name: `${HOST}-crontab-run-parts-cron.hourly`,
      description: `Imported from ${ROOT_PATHS[0]} line 18 on ${HOST}`,
      cronExpr: '17 * * * *',
      timezone: 'Europe/Berlin',
      command: 'cd / && run-parts --report /etc/cron.hourly',
      shell: '/bin/sh',
      env: { SHELL: '/bin/sh', PATH: DEBIAN_PATH },
      target: { labels: { host: HOST }, mode: 'one' },
      concurrencyPolicy: 'allow',
      misfirePolicy: 'skip',
    });
    // Each document says where it came from.
    expect(result.stdout.split('\n')[0]).toBe(
      `# ${ROOT_PATHS[0]}:18: 17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly`,
    );
    // The same input gives the same file.
    const again = await cli(
      ['import', 'crontab', '--host', HOST, '--timezone', 'Europe/Berlin', ...ROOT_PATHS],
      { env },
    );
    expect(again.stdout).toBe(result.stdout);
    expect(await jobNames()).toEqual([]);
  });

  it('creates the Debian jobs through the API (--apply), as the job file says, and not twice', async () => {
    const printed = await cli(['import', 'crontab', '--host', HOST, '-o', 'json', ...ROOT_PATHS], {
      env,
    });
    const expected = JSON.parse(printed.stdout) as JobBody[];
    const result = await cli(['import', 'crontab', '--host', HOST, '--apply', ...ROOT_PATHS], {
      env,
    });
    expect(result.code).toBe(0);
    expect(lines(result.stdout).pop()).toBe('13 jobs created');
    expect(await jobNames()).toEqual(expected.map((job) => job.name).sort());
    for (const job of expected) {
      const stored = (await api.get<JobBody>(`/api/v1/jobs/${job.name}`)).body;
      expect(stored).toMatchObject(job as unknown as Record<string, unknown>);
    }
    const mdadm = (await api.get<JobBody>(`/api/v1/jobs/${HOST}-mdadm-checkarray`)).body;
    expect(mdadm.command).toContain('[ $(date +%d) -le 7 ]');
    expect(mdadm).not.toHaveProperty('shell');

    const twice = await cli(['import', 'crontab', '--host', HOST, '--apply', ...ROOT_PATHS], {
      env,
    });
    expect(twice.code).toBe(1);
    expect(lines(twice.stderr)).toEqual([
      expect.stringMatching(/^warning: no --timezone/),
      expect.stringMatching(/munin-node:5: warning: MAILTO=root/),
      expect.stringMatching(
        new RegExp(
          `^cronplane: jobs already exist: ${HOST}-crontab-run-parts-cron.hourly, .* and 8 more; nothing was created`,
        ),
      ),
    ]);
  });

  it('runs an imported job with its SHELL and its % input on the worker', async () => {
    const crontab = [
      'SHELL=/bin/bash',
      'MAILTO=""',
      // Printed only by bash; then what the command reads on stdin, up to its end.
      '@yearly echo "bash=${BASH_VERSION:+yes} 100\\%"; cat; echo "[eof]"%first line%second line',
      '',
    ].join('\n');
    const result = await cli(['import', 'crontab', '--host', HOST, '--apply', '-'], {
      env,
      input: crontab,
    });
    expect(result.code).toBe(0);
    expect(lines(result.stderr)).toEqual([
      'warning: no --timezone and no CRON_TZ: schedules are read in UTC (cron uses the host’s local zone)',
    ]);
    const name = `${HOST}-crontab-echo-cat`;
    expect(lines(result.stdout)).toEqual([`job ${name} created`, '1 jobs created']);
    const job = (await api.get<JobBody>(`/api/v1/jobs/${name}`)).body;
    expect(job).toMatchObject({
      command: 'echo "bash=${BASH_VERSION:+yes} 100%"; cat; echo "[eof]"',
      shell: '/bin/bash',
      stdin: 'first line\nsecond line',
      target: { labels: { host: HOST } },
    });
    const { body } = await api.post<{ runId: string }>(`/api/v1/jobs/${name}/run`);
    let run: RunBody | undefined;
    await eventually(async () => {
      run = (await api.get<RunBody>(`/api/v1/runs/${encodeURIComponent(body.runId)}`)).body;
      return run?.status === 'succeeded' || run?.status === 'failed';
    }, 20000);
    expect(run).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(run?.output).toBe('bash=yes 100%\nfirst line\nsecond line[eof]\n');
  });

  it('creates nothing from files with an @reboot or another user, and names each line', async () => {
    const before = await jobNames();
    const logcheck = join(FIXTURES, 'debian', 'cron.d', 'logcheck');
    const php = join(FIXTURES, 'debian', 'cron.d', 'php');
    const asLogcheck = await cli(
      ['import', 'crontab', '--apply', '--worker-user', 'logcheck', php, logcheck],
      { env },
    );
    expect(asLogcheck.code).toBe(1);
    expect(lines(asLogcheck.stderr)).toEqual([
      expect.stringMatching(/^warning: no --timezone/),
      expect.stringMatching(
        new RegExp(`^${php}:14: error: runs as user "root", but the worker runs as "logcheck"`),
      ),
      expect.stringMatching(new RegExp(`^${logcheck}:4: warning: MAILTO=root`)),
      expect.stringMatching(
        new RegExp(`^${logcheck}:6: error: @reboot: cronplane has no "host started" event`),
      ),
      'cronplane: 2 problems above cannot be carried over; nothing was created',
    ]);
    const bad = await cli(['import', 'crontab', '--apply', join(FIXTURES, 'bad.crontab')], { env });
    expect(bad.code).toBe(1);
    const errorLines = lines(bad.stderr).filter((line) => line.includes(': error: '));
    expect(errorLines.map((line) => Number(/:(\d+): error/.exec(line)?.[1]))).toEqual([
      2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    ]);
    expect(lines(bad.stderr).pop()).toBe(
      'cronplane: 13 problems above cannot be carried over; nothing was created',
    );
    // Without --apply the job file is not printed either.
    const printed = await cli(['import', 'crontab', join(FIXTURES, 'bad.crontab')], { env });
    expect(printed).toMatchObject({ code: 1, stdout: '' });
    expect(await jobNames()).toEqual(before);
  });

  it('imports the tricky lines with --apply --dry-run: checked against the server, nothing created', async () => {
    const before = await jobNames();
    const tricky = join(FIXTURES, 'tricky.crontab');
    const result = await cli(['import', 'crontab', '--apply', '--dry-run', tricky], { env });
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual([
      'job tricky-report would be created',
      'job tricky-echo-quarter would be created',
      'job tricky-mail-ops would be created',
      'job tricky-date-y-m-d would be created',
      'job tricky-echo-new-year would be created',
      'job tricky-echo-midnight would be created',
      'job tricky-echo-payday-or-friday would be created',
      'job tricky-echo-mondays would be created',
      'job tricky-echo-utc-again would be created',
      '9 jobs would be created (dry run: nothing was)',
    ]);
    expect(await jobNames()).toEqual(before);
    const created = await cli(['import', 'crontab', '--apply', tricky], { env });
    expect(created.code).toBe(0);
    const mail = (await api.get<JobBody>('/api/v1/jobs/tricky-mail-ops')).body;
    expect(mail).toMatchObject({
      cronExpr: '5 4 * * 0',
      timezone: 'Europe/Berlin',
      command: 'mail -s "weekly % report" ops',
      stdin: 'line one\nline two\n',
      shell: '/bin/bash',
      target: { labels: {}, mode: 'one' },
    });
  });

  it('prints a job file that `cronplane apply -f` creates as printed, and a second apply keeps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cronplane-import-'));
    const file = join(dir, 'other-host.yaml');
    const printed = await cli(['import', 'crontab', '--host', 'other-host', ...ROOT_PATHS], {
      env,
    });
    expect(printed.code).toBe(0);
    writeFileSync(file, printed.stdout);
    const applied = await cli(['apply', '-f', file], { env });
    expect(applied).toMatchObject({ code: 0 });
    const expected = parseAllDocuments(printed.stdout).map((doc) => doc.toJS() as JobBody);
    expect(expected).toHaveLength(13);
    for (const job of expected) {
      const stored = (await api.get<JobBody>(`/api/v1/jobs/${job.name}`)).body;
      expect(stored).toMatchObject(job as unknown as Record<string, unknown>);
    }
    const revisions = async (): Promise<number[]> =>
      Promise.all(
        expected.map(
          async (job) =>
            (await api.get<{ revision: number }>(`/api/v1/jobs/${job.name}`)).body.revision,
        ),
      );
    const before = await revisions();
    expect(await cli(['apply', '-f', file], { env })).toMatchObject({ code: 0 });
    expect(await revisions()).toEqual(before);
  });

  it('refuses a bad shell or stdin through the API with 400 naming the field', async () => {
    const base = { name: 'bad-shell', command: 'true', cronExpr: '@daily' };
    const shell = await api.post<{ details: Array<{ field: string }> }>('/api/v1/jobs', {
      ...base,
      shell: 'bash',
    });
    expect(shell.status).toBe(400);
    expect(shell.body.details.map((d) => d.field)).toEqual(['shell']);
    const stdin = await api.post<{ details: Array<{ field: string }> }>('/api/v1/jobs', {
      ...base,
      stdin: 'x'.repeat(64 * 1024 + 1),
    });
    expect(stdin.status).toBe(400);
    expect(stdin.body.details.map((d) => d.field)).toEqual(['stdin']);
  });
});
