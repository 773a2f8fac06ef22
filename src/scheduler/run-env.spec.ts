import { runEnvironment } from './run-env';

describe('runEnvironment', () => {
  const run = { job: 'backup', runId: 'backup@1000', tick: 1000, attempt: 2 };
  it('sets the CRON_* variables over the job env, and passes only harmless worker variables', () => {
    const env = runEnvironment(
      run,
      { FOO: 'bar', CRON_JOB: 'forged' },
      {
        PATH: '/bin',
        MONGODB_URI: 'mongodb://secret',
        CRON_ADMIN_TOKEN: 'secret',
      },
    );
    expect(env).toEqual({
      PATH: '/bin',
      FOO: 'bar',
      CRON_JOB: 'backup',
      CRON_RUN_ID: 'backup@1000',
      CRON_TICK: '1000',
      CRON_ATTEMPT: '2',
    });
  });
  it('leaves HOME, USER and LOGNAME to the spawner for a run as another user, unless the job sets them', () => {
    const worker = { PATH: '/bin', HOME: '/root', USER: 'root', LOGNAME: 'root', LANG: 'C' };
    expect(runEnvironment(run, {}, worker, true)).toEqual({
      PATH: '/bin',
      LANG: 'C',
      CRON_JOB: 'backup',
      CRON_RUN_ID: 'backup@1000',
      CRON_TICK: '1000',
      CRON_ATTEMPT: '2',
    });
    expect(runEnvironment(run, { HOME: '/srv/backup' }, worker, true).HOME).toBe('/srv/backup');
    expect(runEnvironment(run, {}, worker).HOME).toBe('/root');
  });
  it('always has a PATH', () => {
    expect(runEnvironment(run, {}, {}).PATH).toBe('/usr/local/bin:/usr/bin:/bin');
  });
});
