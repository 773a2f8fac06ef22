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
      CRON_NAMESPACE: 'default',
      CRON_RUN_ID: 'backup@1000',
      CRON_TICK: '1000',
      CRON_ATTEMPT: '2',
    });
  });
  it('names a job of another namespace within it, with CRON_NAMESPACE', () => {
    const env = runEnvironment({ ...run, job: 'team-a:etl', runId: 'team-a:etl@1000' }, {}, {});
    expect(env).toMatchObject({
      CRON_JOB: 'etl',
      CRON_NAMESPACE: 'team-a',
      CRON_RUN_ID: 'team-a:etl@1000',
    });
  });
  it('leaves HOME, USER and LOGNAME to the spawner for a run as another user, unless the job sets them', () => {
    const worker = { PATH: '/bin', HOME: '/root', USER: 'root', LOGNAME: 'root', LANG: 'C' };
    expect(runEnvironment(run, {}, worker, true)).toEqual({
      PATH: '/bin',
      LANG: 'C',
      CRON_JOB: 'backup',
      CRON_NAMESPACE: 'default',
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
  it('gives a dependency-triggered run its parent, by name within the namespace', () => {
    const env = runEnvironment(
      { ...run, job: 'team:load', parent: { job: 'team:extract', runId: 'team:extract@1000' } },
      { CRON_PARENT_JOB: 'spoofed' },
      {},
    );
    expect(env).toMatchObject({
      CRON_JOB: 'load',
      CRON_PARENT_JOB: 'extract',
      CRON_PARENT_RUN_ID: 'team:extract@1000',
    });
    expect(runEnvironment(run, {}, {}).CRON_PARENT_JOB).toBeUndefined();
  });
});
