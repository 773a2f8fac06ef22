import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appEnv, isolationId } from '../support/env';
import { AppProcess, spawnApp, startApp } from '../support/app-process';

/** The module files an app in `role` loaded from start to a clean stop. */
async function modulesLoadedBy(role: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'loaded-modules-'));
  const file = join(dir, 'modules.txt');
  try {
    const app = await startApp(
      appEnv(isolationId(`modules-${role}`), {
        ROLE: role,
        NODE_OPTIONS: `--require ${join(__dirname, '..', 'support', 'loaded-modules.js')}`,
        LOADED_MODULES_FILE: file,
      }),
    );
    expect(await app.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    return readFileSync(file, 'utf8').split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The master's own code: its modules under dist/, and the OpenAPI library. */
const DIST = join(__dirname, '..', '..', 'dist');
const MASTER_CODE = [
  join(DIST, 'api') + '/',
  join(DIST, 'cluster') + '/',
  join(DIST, 'console') + '/',
  join(DIST, 'run-stream', 'run-stream.'),
  '/node_modules/@nestjs/swagger/',
];
const isMasterCode = (file: string): boolean => MASTER_CODE.some((part) => file.includes(part));

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

  it("a worker loads none of the master's code (the API, console, cluster duties, OpenAPI)", async () => {
    const master = await modulesLoadedBy('master');
    expect(master.filter(isMasterCode).length).toBeGreaterThan(20);
    const worker = await modulesLoadedBy('worker');
    expect(worker.some((file) => file.includes('/dist/scheduler/'))).toBe(true);
    expect(worker.filter(isMasterCode)).toEqual([]);
  });

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
