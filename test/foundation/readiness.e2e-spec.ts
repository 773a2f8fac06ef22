import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  etcdSpec,
  mongoSpec,
  RunningService,
  ServiceSpec,
  startService,
  waitUntil,
} from '../../tools/stack/services';
import { freePort } from '../../tools/stack/ports';
import { appEnv, isolationId, testStack } from '../support/env';
import { AppProcess, startApp } from '../support/app-process';

interface Readiness {
  status: number;
  body: { error?: Record<string, unknown>; info?: Record<string, unknown> };
}

async function readiness(app: AppProcess): Promise<Readiness> {
  const response = await fetch(`${app.baseUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as Readiness['body'] };
}

function until(app: AppProcess, predicate: (r: Readiness) => boolean, what: string): Promise<void> {
  return waitUntil(async () => predicate(await readiness(app)), 30000, what);
}

/** Private etcd and MongoDB-wire servers that this file stops and restarts. */
describe('/readyz follows etcd and MongoDB without a process restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cronplane-ready-'));
  const stack = testStack();
  let etcd: RunningService;
  let etcdServiceSpec: ServiceSpec;
  let mongoServiceSpec: ServiceSpec;
  let mongo: RunningService;
  let app: AppProcess;

  beforeAll(async () => {
    etcdServiceSpec = await etcdSpec(stack.binaries.etcd, join(dir, 'etcd'));
    mongoServiceSpec = await mongoSpec(
      stack.binaries.mongo,
      join(dir, 'mongo'),
      undefined,
      stack.postgres,
    );
    [etcd, mongo] = await Promise.all([
      startService(etcdServiceSpec),
      startService(mongoServiceSpec),
    ]);
    const id = isolationId('ready');
    app = await startApp({
      ...appEnv(id),
      ROLE: 'all',
      ETCD_ENDPOINTS: etcdServiceSpec.url,
      MONGODB_URI: `${mongoServiceSpec.url}/${id}`,
    });
    await until(app, (r) => r.status === 200, 'ready');
  });

  afterAll(async () => {
    await app?.stop();
    await Promise.all([etcd?.stop(), mongo?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('turns 503 naming etcd while etcd is stopped, and 200 when it returns', async () => {
    await etcd.stop();
    await until(
      app,
      (r) => r.status === 503 && r.body.error?.etcd !== undefined,
      '503 naming etcd',
    );
    const down = await readiness(app);
    expect(down.body.error).toHaveProperty('etcd.status', 'down');
    expect(down.body.error).not.toHaveProperty('mongodb');
    expect((await fetch(`${app.baseUrl}/healthz`)).status).toBe(200);
    etcd = await startService(etcdServiceSpec);
    await until(app, (r) => r.status === 200, 'ready again after etcd returned');
  });

  it('turns 503 naming mongodb while MongoDB is stopped, and 200 when it returns', async () => {
    await mongo.stop();
    await until(
      app,
      (r) => r.status === 503 && r.body.error?.mongodb !== undefined,
      '503 naming mongodb',
    );
    expect((await readiness(app)).body.error).not.toHaveProperty('etcd');
    mongo = await startService(mongoServiceSpec);
    await until(app, (r) => r.status === 200, 'ready again after MongoDB returned');
    expect(app.child.exitCode).toBeNull();
  });
});

describe('an unreachable MongoDB at start-up', () => {
  it('does not crash the process: it reports not ready and connects once MongoDB appears', async () => {
    const stack = testStack();
    const dir = mkdtempSync(join(tmpdir(), 'cronplane-late-'));
    const port = await freePort();
    const spec = await mongoSpec(stack.binaries.mongo, join(dir, 'mongo'), port, stack.postgres);
    const id = isolationId('late');
    const app = await startApp({ ...appEnv(id), ROLE: 'master', MONGODB_URI: `${spec.url}/${id}` });
    let mongo: RunningService | undefined;
    try {
      await until(
        app,
        (r) => r.status === 503 && r.body.error?.mongodb !== undefined,
        '503 naming mongodb',
      );
      await new Promise((r) => setTimeout(r, 3000));
      expect(app.child.exitCode).toBeNull();
      mongo = await startService(spec);
      await until(app, (r) => r.status === 200, 'ready once MongoDB started');
    } finally {
      await app.stop();
      await mongo?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
