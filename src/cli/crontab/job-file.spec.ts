import { parseAllDocuments } from 'yaml';
import { renderJobFile } from './job-file';
import { formatOf } from './register';
import { importCrontabs } from './to-jobs';

const TEXT = 'SHELL=/bin/bash\n@daily cat%a: b%# not a comment\n0 5 * * * echo "x: y" # z\n';

describe('renderJobFile', () => {
  const { jobs } = importCrontabs([{ path: 'f.crontab', text: TEXT, format: 'user' }], {
    workerUser: 'root',
    timezone: 'UTC',
  });

  it('writes one YAML document per job that reads back as the job, under its source line', () => {
    const text = renderJobFile(jobs, 'yaml');
    const docs = parseAllDocuments(text);
    expect(docs.map((doc) => doc.toJS() as unknown)).toEqual(jobs.map((imported) => imported.job));
    // Each document starts with a comment naming the crontab line it came from.
    expect(text.split('---\n').map((doc) => doc.split('\n')[0])).toEqual([
      '# f.crontab:2: @daily cat%a: b%# not a comment',
      '# f.crontab:3: 0 5 * * * echo "x: y" # z',
    ]);
    expect(jobs[0].job.stdin).toBe('a: b\n# not a comment');
  });

  it('writes a JSON array of the same objects', () => {
    expect(JSON.parse(renderJobFile(jobs, 'json'))).toEqual(jobs.map((imported) => imported.job));
  });
});

describe('formatOf', () => {
  it.each([
    ['/etc/crontab', 'system'],
    ['etc/crontab', 'system'],
    ['/etc/cron.d/php', 'system'],
    ['backup/cron.d/sysstat', 'system'],
    ['crontab', 'user'],
    ['/var/spool/cron/crontabs/alice', 'user'],
    ['/etc/crontab.bak', 'user'],
    ['-', 'user'],
  ])('%s is read in the %s format', (path, format) => {
    expect(formatOf(path, {})).toBe(format);
  });

  it('follows --system and --user-crontab over the path', () => {
    expect(formatOf('alice', { system: true })).toBe('system');
    expect(formatOf('/etc/cron.d/php', { userCrontab: true })).toBe('user');
  });
});
