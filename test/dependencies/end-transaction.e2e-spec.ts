import { Etcd3 } from 'etcd3';
import { loadConfig } from '../../src/config/app-config';
import { EtcdKeys } from '../../src/etcd/etcd-keys';
import { EtcdService } from '../../src/etcd/etcd.service';
import { DependencyIndex } from '../../src/scheduler/dependency-index';
import { indexedOf, indexEntries } from '../../src/jobs/job-index';
import { DependencyTrigger, ParentRunEnd } from '../../src/scheduler/dependency-trigger';
import { isolationId, testStack } from '../support/env';
import { HoldingProxy } from '../faults/holding-proxy';

/**
 * The worst moments of the transaction that ends a parent's run with its children's triggers,
 * against the real etcd: its answer held past the client's call deadline (the transaction
 * committed; the client sends it again, or the worker does), the same end sent again after the
 * child's trigger was consumed (it must not come back), and an end whose running key is gone
 * (the session lease ended while the run finished): the trigger is still written, once.
 */
describe('the end transaction of a parent run', () => {
  const etcdUrl = new URL(testStack().etcdEndpoints.split(',')[0]);
  const proxy = new HoldingProxy({ host: etcdUrl.hostname, port: Number(etcdUrl.port) });
  const prefix = `/t/${isolationId('depend')}/`;
  const keys = new EtcdKeys(prefix);
  const index = new DependencyIndex();
  let etcd: EtcdService;
  let trigger: DependencyTrigger;
  let direct: Etcd3;

  beforeAll(async () => {
    await proxy.start();
    const config = loadConfig({
      ETCD_ENDPOINTS: `http://127.0.0.1:${proxy.port}`,
      ETCD_PREFIX: prefix,
    });
    etcd = new EtcdService(config);
    trigger = new DependencyTrigger(etcd, index);
    direct = new Etcd3({ hosts: testStack().etcdEndpoints.split(',') });
    for (const [name, after] of [
      ['parent', undefined],
      ['child', [{ job: 'parent', on: 'succeeded' }]],
    ] as const) {
      const value = JSON.stringify({
        name,
        namespace: 'default',
        command: 'true',
        cronExpr: '',
        after,
      });
      await direct.put(keys.spec('default', name)).value(value);
      for (const [key, edge] of indexEntries(keys, name, indexedOf(value), value))
        index.put(key.slice(keys.childrenPrefix().length), edge);
    }
  });

  afterAll(async () => {
    proxy.release();
    etcd.onApplicationShutdown();
    direct.close();
    await proxy.stop();
  });

  /** A running key of `runId` as a claim would create it; its create revision. */
  const running = async (runId: string): Promise<{ key: string; revision: number }> => {
    const key = keys.running('parent', runId);
    await direct.put(key).value(JSON.stringify({ runId, workerId: 'w1' }));
    const [kv] = (await direct.get(key).exec()).kvs;
    return { key, revision: Number(kv.create_revision) };
  };
  const triggers = async (): Promise<string[]> =>
    Object.keys(await direct.getAll().prefix(keys.triggerPrefix('child')).strings());
  const endOf = async (runId: string): Promise<ParentRunEnd> => ({
    job: 'parent',
    runId,
    status: 'succeeded',
    endedAt: 1_800_000_000_000,
    running: await running(runId),
  });

  it('writes the trigger once when the answer comes after the deadline, and never again after it was consumed', async () => {
    const end = await endOf('parent@1');
    const links = trigger.childrenFor(end);
    expect(links.map((link) => link.child)).toEqual(['child']);
    proxy.holding = true;
    const releaseTimer = setTimeout(() => proxy.release(), 6000);
    try {
      await trigger.end(end, links);
    } finally {
      clearTimeout(releaseTimer);
      proxy.release();
    }
    const written = await triggers();
    expect(written).toHaveLength(1);
    expect((await direct.get(end.running.key).exec()).kvs).toHaveLength(0);
    const request = JSON.parse((await direct.get(written[0]).string())!) as Record<string, unknown>;
    expect(request).toMatchObject({
      trigger: 'dependency',
      dependency: { job: 'parent', runId: 'parent@1', chain: ['parent'] },
    });
    // The child's worker consumes it; the same end sent again (a retry) must not bring it back.
    await direct.delete().key(written[0]);
    await trigger.end(end, links);
    await trigger.end({ ...end, running: await running('parent@1') }, links);
    expect(await triggers()).toEqual([]);
    expect(JSON.parse((await direct.get(keys.deps('child')).string())!)).toEqual({
      last: { parent: 'parent@1' },
      pending: {},
    });
  }, 30_000);

  it('writes the trigger when the running key is gone (the lease ended)', async () => {
    const end = await endOf('parent@2');
    await direct.delete().key(end.running.key);
    await trigger.end(end, trigger.childrenFor(end));
    const written = await triggers();
    expect(written).toHaveLength(1);
    expect(JSON.parse((await direct.get(written[0]).string())!)).toMatchObject({
      dependency: { runId: 'parent@2' },
    });
  });

  it('does not trigger a child already in the chain (a cycle closed at run time)', async () => {
    const end = {
      ...(await endOf('parent@3')),
      cause: { job: 'child', runId: 'child@x', chain: ['child'] },
    };
    expect(trigger.childrenFor(end)).toEqual([]);
  });
});
