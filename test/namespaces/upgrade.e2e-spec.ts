import { Etcd3 } from 'etcd3';
import { EtcdKeys } from '../../src/etcd/etcd-keys';
import { ApiClient, eventually } from '../api/api-client';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId, testStack } from '../support/env';

const ADMIN = 'e2e-admin-token-upgrade-0123456789';

interface RunBody {
  runId: string;
  tick: string;
  status: string;
}

/**
 * A store written by the first release (job definitions at `jobs/<name>`, a mark at
 * `state/<name>`) upgrades itself when a master of this release starts: every job moves to
 * `specs/default/<slot>/<name>` unchanged, its mark stays and is honoured (no tick at or before
 * it runs again), and its runs keep the run ids they had.
 */
describe('upgrade from the first key layout', () => {
  const id = isolationId('upgrade');
  const prefix = `/t/${id}/`;
  const keys = new EtcdKeys(prefix);
  let app: AppProcess | undefined;
  let etcd: Etcd3;

  afterAll(async () => {
    await app?.stop();
    etcd?.close();
  });

  it('moves every job, keeps marks and run ids, and loses nothing', async () => {
    etcd = new Etcd3({ hosts: testStack().etcdEndpoints.split(',') });
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const first = (name: string, cronExpr: string) => ({
      name,
      command: 'true',
      cronExpr,
      cronDialect: 'standard',
      timezone: 'UTC',
      description: `from the first release: ${name}`,
      enabled: true,
      timeoutSeconds: 0,
      concurrencyPolicy: 'allow',
      misfirePolicy: 'runAll',
      catchupWindowSeconds: 3600,
      retries: { max: 0, backoffSeconds: 10, factor: 2 },
      target: { labels: {}, mode: 'one' },
      env: {},
      alerts: { onFailure: false, onTimeout: false },
      createdAt: hourAgo,
      updatedAt: hourAgo,
    });
    // Every second since an hour ago, catching everything up: without its mark it would run
    // up to 100 catch-up ticks at once.
    const mark = Math.floor(Date.now() / 1000) * 1000;
    await etcd.put(`${prefix}jobs/legacy`).value(JSON.stringify(first('legacy', '* * * * * *')));
    await etcd
      .put(`${prefix}state/legacy`)
      .value(JSON.stringify({ lastTick: mark, runId: `legacy@${mark}`, workerId: 'old-worker' }));
    const yearly = Array.from({ length: 300 }, (_, i) => `yearly-${String(i).padStart(3, '0')}`);
    for (const name of yearly)
      await etcd.put(`${prefix}jobs/${name}`).value(JSON.stringify(first(name, '@yearly')));

    app = await startApp(
      appEnv(id, { ROLE: 'all', CRON_ADMIN_TOKEN: ADMIN, ETCD_MAX_TXN_OPS: '64' }),
    );
    const api = new ApiClient(app.baseUrl, ADMIN);

    // Moved, whole: nothing left at the old keys, the same specs at the new ones.
    expect(await etcd.getAll().prefix(`${prefix}jobs/`).keys()).toEqual([]);
    expect(await etcd.get(keys.layout()).string()).toBe('3');
    const moved = JSON.parse((await etcd.get(keys.spec('default', 'legacy')).string()) ?? '{}');
    expect(moved).toEqual({ ...first('legacy', '* * * * * *'), namespace: 'default' });
    const names: string[] = [];
    type Page = { items: { name: string }[]; nextCursor: string | null };
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page: Page = (await api.get<Page>(`/api/v1/jobs?limit=100${query}`)).body;
      names.push(...page.items.map((job) => job.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(names).toEqual(['legacy', ...yearly]);
    // The mark is where it was.
    expect(JSON.parse((await etcd.get(`${prefix}state/legacy`).string()) ?? '{}')).toMatchObject({
      lastTick: expect.any(Number),
    });

    // It runs on, after its mark, with the run ids of the first release.
    let runs: RunBody[] = [];
    await eventually(async () => {
      runs = (await api.get<{ items: RunBody[] }>('/api/v1/jobs/legacy/runs?limit=100')).body.items;
      return runs.filter((run) => run.status === 'succeeded').length >= 3;
    }, 30000);
    const executed = runs.filter((run) => run.status !== 'lost');
    expect(executed.filter((run) => Date.parse(run.tick) <= mark)).toEqual([]);
    for (const run of executed) expect(run.runId).toBe(`legacy@${Date.parse(run.tick)}`);
  }, 120_000);
});
