import { appEnv, isolationId } from '../support/env';
import { AppProcess, spawnApp, startApp } from '../support/app-process';

describe('the app boots in each role against the real stack', () => {
  let app: AppProcess | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it.each(['master', 'worker', 'all'])(
    'ROLE=%s is ready and stops cleanly on SIGTERM',
    async (role) => {
      app = await startApp(appEnv(isolationId(role), { ROLE: role }));
      const ready = await fetch(`${app.baseUrl}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        info: { etcd: { status: 'up' }, mongodb: { status: 'up' } },
      });
      const result = await app.stop('SIGTERM');
      expect(result).toEqual({ code: 0, signal: null });
      const started = app.logs().find((line) => line.msg === 'cronplane started');
      expect(started).toMatchObject({ role, level: 'info' });
      app = undefined;
    },
  );

  it.each([
    [{ ROLE: 'boss' }, 'cronplane: invalid ROLE="boss": must be one of master, worker, all'],
    [
      { ETCD_ENDPOINTS: 'etcd:2379' },
      'cronplane: invalid ETCD_ENDPOINTS="etcd:2379": must be a comma-separated list of http(s)://host:port URLs',
    ],
    [{ PORT: 'abc' }, 'cronplane: invalid PORT="abc": must be a port number from 0 to 65535'],
  ])('bad configuration %j exits 1 with one line', async (bad, line) => {
    const failing = await spawnApp({ ...appEnv(isolationId('bad')), ROLE: 'master', ...bad });
    const result = await failing.exited;
    expect(result.code).toBe(1);
    expect(failing.output().trim()).toBe(line);
  });
});
