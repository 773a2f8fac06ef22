import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatOf } from './register';
import { CrontabFile, importCrontabs, ImportOptions, JobDocument, problemLine } from './to-jobs';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'crontabs');
const NOW = Date.parse('2026-06-01T00:00:00Z');

/** A fixture as the command reads it: its path (relative, as given) decides the format. */
function fixture(path: string): CrontabFile {
  return { path, text: readFileSync(join(FIXTURES, path), 'utf8'), format: formatOf(path, {}) };
}

const ROOT: ImportOptions = { workerUser: 'root', host: 'web-1', timezone: 'Europe/Berlin' };
const DEBIAN_PATH = '/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin';

/** What every imported job shares. */
function job(fields: Partial<JobDocument> & Pick<JobDocument, 'name'>): JobDocument {
  return {
    description: '',
    cronExpr: '',
    timezone: 'Europe/Berlin',
    command: '',
    env: {},
    target: { labels: { host: 'web-1' }, mode: 'one' },
    concurrencyPolicy: 'allow',
    misfirePolicy: 'skip',
    ...fields,
  };
}

describe('importCrontabs on the crontabs Debian packages ship', () => {
  it('/etc/crontab (cron-daemon-common): four run-parts jobs with its SHELL and PATH', () => {
    const result = importCrontabs([fixture('debian/etc/crontab')], ROOT, NOW);
    expect(result.problems).toEqual([]);
    const base = { shell: '/bin/sh', env: { SHELL: '/bin/sh', PATH: DEBIAN_PATH } };
    const where = (line: number): string =>
      `Imported from debian/etc/crontab line ${line} on web-1`;
    expect(result.jobs.map((imported) => imported.job)).toEqual([
      job({
        ...base,
        name: 'web-1-crontab-run-parts-cron.hourly',
        description: where(18),
        cronExpr: '17 * * * *',
        command: 'cd / && run-parts --report /etc/cron.hourly',
      }),
      job({
        ...base,
        name: 'web-1-crontab-run-parts-cron.daily',
        description: where(19),
        cronExpr: '25 6 * * *',
        command: 'test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }',
      }),
      job({
        ...base,
        name: 'web-1-crontab-run-parts-cron.weekly',
        description: where(20),
        cronExpr: '47 6 * * 7',
        command: 'test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.weekly; }',
      }),
      job({
        ...base,
        name: 'web-1-crontab-run-parts-cron.monthly',
        description: where(21),
        cronExpr: '52 6 1 * *',
        command: 'test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.monthly; }',
      }),
    ]);
    expect(result.jobs.map((imported) => imported.line)).toEqual([18, 19, 20, 21]);
  });

  it('the root-only cron.d files: every line a job, field by field', () => {
    const files = ['anacron', 'certbot', 'e2scrub_all', 'mdadm', 'munin-node', 'php', 'sysstat'];
    const result = importCrontabs(
      files.map((name) => fixture(`debian/cron.d/${name}`)),
      ROOT,
      NOW,
    );
    expect(result.problems.map(problemLine)).toEqual([
      "debian/cron.d/munin-node:5: warning: MAILTO=root: cronplane has no email alert channel, so failures of the jobs below are not mailed; they raise the job's webhook alerts instead",
    ]);
    expect(result.failed).toBe(false);
    const where = (file: string, line: number): string =>
      `Imported from debian/cron.d/${file} line ${line} on web-1`;
    const sysstatPath = { PATH: '/usr/lib/sysstat:/usr/sbin:/usr/sbin:/usr/bin:/sbin:/bin' };
    expect(result.jobs.map((imported) => imported.job)).toEqual([
      job({
        name: 'web-1-anacron-invoke-rc.d-start',
        description: where('anacron', 6),
        cronExpr: '30 7-23 * * *',
        command:
          '[ -x /etc/init.d/anacron ] && if [ ! -d /run/systemd/system ]; then /usr/sbin/invoke-rc.d anacron start >/dev/null; fi',
        shell: '/bin/sh',
        env: { SHELL: '/bin/sh', PATH: DEBIAN_PATH },
      }),
      job({
        name: 'web-1-certbot-perl-renew',
        description: where('certbot', 17),
        cronExpr: '0 */12 * * *',
        // `\!` is not `\%`: the backslash stays for the shell.
        command:
          "test -x /usr/bin/certbot -a \\! -d /run/systemd/system && perl -e 'sleep int(rand(43200))' && certbot -q renew --no-random-sleep-on-renew",
        shell: '/bin/sh',
        env: { SHELL: '/bin/sh', PATH: DEBIAN_PATH },
      }),
      job({
        name: 'web-1-e2scrub_all-e2scrub_all_cron',
        description: where('e2scrub_all', 1),
        cronExpr: '30 3 * * 0',
        command:
          'test -e /run/systemd/system || SERVICE_MODE=1 /usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron',
      }),
      job({
        name: 'web-1-e2scrub_all',
        description: where('e2scrub_all', 2),
        cronExpr: '10 3 * * *',
        command: 'test -e /run/systemd/system || SERVICE_MODE=1 /sbin/e2scrub_all -A -r',
      }),
      job({
        name: 'web-1-mdadm-checkarray',
        description: where('mdadm', 12),
        cronExpr: '57 0 * * 0',
        // `+\%d` in the file: cron hands the shell `+%d`.
        command:
          'if [ -x /usr/share/mdadm/checkarray ] && [ $(date +%d) -le 7 ]; then /usr/share/mdadm/checkarray --cron --all --idle --quiet; fi',
      }),
      job({
        name: 'web-1-munin-node-apt_all-update-apt',
        description: where('munin-node', 11),
        cronExpr: '*/5 * * * *',
        command:
          'if [ -x /etc/munin/plugins/apt_all ]; then /etc/munin/plugins/apt_all update 7200 12 >/dev/null; elif [ -x /etc/munin/plugins/apt ]; then /etc/munin/plugins/apt update 7200 12 >/dev/null; fi',
      }),
      job({
        name: 'web-1-php-sessionclean',
        description: where('php', 14),
        // `09,39` written without the leading zero.
        cronExpr: '9,39 * * * *',
        command:
          '[ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then /usr/lib/php/sessionclean; fi',
      }),
      job({
        name: 'web-1-sysstat-debian-sa1',
        description: where('sysstat', 6),
        cronExpr: '5-55/10 * * * *',
        command: 'command -v debian-sa1 > /dev/null && debian-sa1 1 1',
        env: sysstatPath,
      }),
      job({
        name: 'web-1-sysstat-debian-sa1-2',
        description: where('sysstat', 9),
        cronExpr: '59 23 * * *',
        command: 'command -v debian-sa1 > /dev/null && debian-sa1 60 2',
        env: sysstatPath,
      }),
    ]);
  });

  it('refuses lines for users the worker is not, and @reboot, each with its line', () => {
    const files = ['amavisd-new', 'awstats', 'cacti', 'logcheck', 'munin'];
    const result = importCrontabs(
      files.map((name) => fixture(`debian/cron.d/${name}`)),
      ROOT,
      NOW,
    );
    expect(result.failed).toBe(true);
    const errors = result.problems
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.file}:${p.line} ${/"([^"]+)"/.exec(p.reason)?.[1] ?? p.reason.slice(0, 8)}`);
    expect(errors).toEqual([
      'debian/cron.d/amavisd-new:5 amavis',
      'debian/cron.d/amavisd-new:6 amavis',
      'debian/cron.d/awstats:3 www-data',
      'debian/cron.d/awstats:6 www-data',
      'debian/cron.d/cacti:2 www-data',
      'debian/cron.d/logcheck:6 logcheck',
      'debian/cron.d/logcheck:7 logcheck',
      'debian/cron.d/munin:7 munin',
      'debian/cron.d/munin:8 munin',
      'debian/cron.d/munin:11 munin',
      'debian/cron.d/munin:12 www-data',
    ]);
    expect(result.problems.filter((p) => p.severity === 'warning').map((p) => p.line)).toEqual([
      1, 1, 4, 5,
    ]);
  });

  it('carries a file over for a worker running as its user, except @reboot', () => {
    const result = importCrontabs(
      [fixture('debian/cron.d/logcheck')],
      { ...ROOT, workerUser: 'logcheck' },
      NOW,
    );
    expect(result.problems.map(problemLine)).toEqual([
      expect.stringMatching(/^debian\/cron.d\/logcheck:4: warning: MAILTO=root/),
      expect.stringMatching(/^debian\/cron.d\/logcheck:6: error: @reboot: cronplane has no/),
    ]);
    expect(result.jobs.map((imported) => imported.job)).toEqual([
      job({
        name: 'web-1-logcheck',
        description: 'Imported from debian/cron.d/logcheck line 7 on web-1',
        cronExpr: '2 * * * *',
        command: 'if [ -x /usr/sbin/logcheck ]; then nice -n10 /usr/sbin/logcheck; fi',
        env: { PATH: DEBIAN_PATH },
      }),
    ]);
  });
});

describe('importCrontabs on tricky lines', () => {
  const tricky = (): CrontabFile => fixture('tricky.crontab');

  it('reads them as cron does, field by field', () => {
    const result = importCrontabs([tricky()], { workerUser: 'root' }, NOW);
    expect(result.problems).toEqual([]);
    const env = {
      SHELL: '/bin/bash',
      PATH: '/usr/local/bin:/usr/bin:/bin',
      GREETING: 'hello  world ',
      QUOTED: 'single # not a comment',
      SPACED: 'value with spaces',
    };
    const berlin = {
      shell: '/bin/bash',
      env,
      timezone: 'Europe/Berlin',
      target: { labels: {}, mode: 'one' as const },
    };
    const where = (line: number): string => `Imported from tricky.crontab line ${line}`;
    expect(result.jobs.map((imported) => imported.job)).toEqual([
      job({
        ...berlin,
        name: 'tricky-report',
        description: where(14),
        cronExpr: '0 9 * 1-3,12 1-5',
        command: '/usr/local/bin/report --daily',
      }),
      job({
        ...berlin,
        name: 'tricky-echo-quarter',
        description: where(15),
        cronExpr: '*/15 8-18/2 * * *',
        command: 'echo quarter',
      }),
      job({
        ...berlin,
        name: 'tricky-mail-ops',
        description: where(17),
        cronExpr: '5 4 * * 0',
        command: 'mail -s "weekly % report" ops',
        stdin: 'line one\nline two\n',
      }),
      job({
        ...berlin,
        name: 'tricky-date-y-m-d',
        description: where(18),
        cronExpr: '@weekly',
        command: 'date +%Y-%m-%d',
      }),
      job({
        ...berlin,
        name: 'tricky-echo-new-year',
        description: where(19),
        cronExpr: '@annually',
        command: 'echo new year',
      }),
      job({
        ...berlin,
        name: 'tricky-echo-midnight',
        description: where(20),
        cronExpr: '@midnight',
        command: 'echo midnight',
      }),
      job({
        ...berlin,
        name: 'tricky-echo-payday-or-friday',
        description: where(22),
        cronExpr: '0 12 1,15 * 5',
        command: 'echo payday-or-friday',
      }),
      // `*/1` covers every day: cron's AND with Monday is Monday alone.
      job({
        ...berlin,
        name: 'tricky-echo-mondays',
        description: where(24),
        cronExpr: '30 6 * * 1',
        command: 'echo mondays',
      }),
      job({
        ...berlin,
        name: 'tricky-echo-utc-again',
        description: where(26),
        cronExpr: '0 0 1 1 *',
        timezone: 'UTC',
        command: 'echo utc again',
      }),
    ]);
  });

  it('gives the same names for the same input, and different hosts different names', () => {
    const first = importCrontabs([tricky(), tricky()], { workerUser: 'root' }, NOW);
    const again = importCrontabs([tricky(), tricky()], { workerUser: 'root' }, NOW);
    const names = first.jobs.map((imported) => imported.job.name);
    expect(again.jobs.map((imported) => imported.job.name)).toEqual(names);
    expect(new Set(names).size).toBe(names.length);
    expect(names.slice(9, 11)).toEqual(['tricky-report-2', 'tricky-echo-quarter-2']);
    const other = importCrontabs([tricky()], { workerUser: 'root', host: 'db-2' }, NOW);
    expect(other.jobs[0].job.name).toBe('db-2-tricky-report');
    expect(other.jobs[0].job.target.labels).toEqual({ host: 'db-2' });
  });
});

describe('importCrontabs refusals', () => {
  it('reports every line of bad.crontab that cannot be carried over, in line order', () => {
    const result = importCrontabs([fixture('bad.crontab')], { workerUser: 'root' }, NOW);
    expect(result.failed).toBe(true);
    expect(result.problems.map((p) => [p.line, p.severity])).toEqual([
      [2, 'error'],
      [3, 'error'],
      [4, 'error'],
      [5, 'error'],
      [6, 'error'],
      [7, 'error'],
      [8, 'error'],
      [9, 'error'],
      [10, 'error'],
      [11, 'error'],
      [12, 'error'],
      [13, 'error'],
      [14, 'error'],
    ]);
    const reasons = result.problems.map((p) => p.reason);
    expect(reasons[0]).toMatch(/^@reboot: cronplane has no "host started" event/);
    expect(reasons[2]).toMatch(
      /^day of month "\*\/2" and day of week "1": cron fires only on days matching both/,
    );
    expect(reasons[7]).toMatch(/^schedule "0 0 30 2 \*" cannot be a job/);
    expect(reasons[9]).toBe('the command before the first % is empty');
    expect(reasons[11]).toMatch(/^SHELL=bash: a job's shell must be an absolute path/);
  });

  it('refuses a day-of-week field starting with * beside a restricted day of month', () => {
    const text = '0 0 1-7 * */2 run\n0 0 1-7 * *,0-6 run-all-days\n';
    const result = importCrontabs(
      [{ path: 'x', text, format: 'user' }],
      { workerUser: 'root' },
      NOW,
    );
    expect(result.problems.map((p) => [p.line, p.severity])).toEqual([
      [0, 'warning'],
      [1, 'error'],
    ]);
    expect(result.jobs.map((imported) => imported.job.cronExpr)).toEqual(['0 0 1-7 * *']);
  });

  it('treats a user crontab as the worker user’s unless --owner names another', () => {
    const text = '@hourly run\n';
    const mine = importCrontabs(
      [{ path: 'alice', text, format: 'user' }],
      { workerUser: 'alice' },
      NOW,
    );
    expect(mine.failed).toBe(false);
    const theirs = importCrontabs(
      [{ path: 'alice', text, format: 'user' }],
      { workerUser: 'root', crontabUser: 'alice' },
      NOW,
    );
    expect(theirs.problems.map(problemLine)[0]).toMatch(
      /^alice:1: error: runs as user "alice", but the worker runs as "root"/,
    );
  });

  it('checks --timezone and --host, and warns once when no zone is known', () => {
    const file = { path: 'f', text: '@daily run\n@hourly run\n', format: 'user' as const };
    expect(
      importCrontabs(
        [file],
        { workerUser: 'root', timezone: 'Nowhere/City', host: 'a b' },
        NOW,
      ).problems.map(problemLine),
    ).toEqual([
      expect.stringMatching(/^error: --timezone "Nowhere\/City" is not an IANA time zone/),
      expect.stringMatching(/^error: --host "a b" must be 1-63 printable characters/),
      'f:1: error: time zone "Nowhere/City" is unknown',
      'f:2: error: time zone "Nowhere/City" is unknown',
    ]);
    const utc = importCrontabs([file], { workerUser: 'root' }, NOW);
    expect(utc.problems.map(problemLine)).toEqual([
      'warning: no --timezone and no CRON_TZ: schedules are read in UTC (cron uses the host’s local zone)',
    ]);
    expect(utc.jobs.map((imported) => imported.job.timezone)).toEqual(['UTC', 'UTC']);
  });

  it('warns about variables cronplane sets itself, and keeps MAILTO and CRON_TZ out of env', () => {
    const text = 'CRON_JOB=x\nMAILTO=""\nCRON_TZ=Asia/Tokyo\nOTHER=1\n@daily run\n';
    const result = importCrontabs(
      [{ path: 'f', text, format: 'user' }],
      { workerUser: 'root' },
      NOW,
    );
    expect(result.problems.map(problemLine)).toEqual([
      expect.stringMatching(/^f:1: warning: CRON_JOB: cronplane sets this variable for every run/),
    ]);
    expect(result.jobs[0].job).toMatchObject({
      timezone: 'Asia/Tokyo',
      env: { CRON_JOB: 'x', OTHER: '1' },
    });
  });
});
