import { Etcd3, IKeyValue } from 'etcd3';
import { loadConfig } from '../../src/config/app-config';
import { EtcdService } from '../../src/etcd/etcd.service';
import { ClaimResult, LockService, RELEASE_LINGER_MS } from '../../src/etcd/lock.service';
import { isolationId, testStack } from '../support/env';

/**
 * Claims due together share transactions, and a finished run's running key is deleted by the
 * next claim batch: measured as the distinct revisions of the writes under this test's prefix
 * (every committed write transaction has its own revision; the etcd is shared with other suites,
 * whose writes move the global revision too).
 */
describe('LockService batching against a real etcd', () => {
  const endpoints = testStack().etcdEndpoints;
  const prefix = `/t/${isolationId('lockbatch')}/`;
  let etcd: EtcdService;
  let lock: LockService;
  let direct: Etcd3;
  let leaseId: string;

  const revision = async (): Promise<number> =>
    Number((await direct.get('/none').exec()).header.revision);
  /** The write transactions that touched this test's keys while `act` ran. */
  const writesDuring = async (act: () => Promise<void>): Promise<number> => {
    const sentinel = `${prefix}sentinel`;
    const revisions = new Set<string>();
    const watcher = await direct
      .watch()
      .prefix(prefix)
      .startRevision(String((await revision()) + 1))
      .create();
    const sentinelSeen = new Promise<void>((resolve) => {
      const seen = (kv: IKeyValue) => {
        if (kv.key.toString() === sentinel) resolve();
        else revisions.add(kv.mod_revision);
      };
      watcher.on('put', seen);
      watcher.on('delete', seen);
    });
    await act();
    await direct.put(sentinel).value('');
    await sentinelSeen;
    await watcher.cancel();
    return revisions.size;
  };
  const stateOf = async (name: string): Promise<number> => (await lock.readState(name)).revision;

  beforeAll(async () => {
    const config = loadConfig({ ETCD_ENDPOINTS: endpoints, ETCD_PREFIX: prefix });
    etcd = new EtcdService(config);
    lock = new LockService(etcd, config);
    direct = new Etcd3({ hosts: endpoints.split(',') });
    const lease = direct.lease(60, { autoKeepAlive: false });
    leaseId = await lease.grant();
  });

  afterAll(async () => {
    await direct.delete().prefix(prefix);
    lock.onApplicationShutdown();
    etcd.onApplicationShutdown();
    direct.close();
  });

  const claim = (name: string, expectedRevision: number, tick: number, exclusive = false) =>
    lock.claimTick({
      stateName: name,
      expectedRevision,
      state: { lastTick: tick, runId: `${name}@${tick}`, workerId: 'w1' },
      running: {
        key: lock.runningKey(name, `${name}@${tick}`, exclusive),
        value: { runId: `${name}@${tick}`, workerId: 'w1' },
        leaseId,
        exclusive,
      },
    });

  it('claims 300 ticks due together in 5 transactions (64 claims of 2 writes each)', async () => {
    let results: ClaimResult[] = [];
    const writes = await writesDuring(async () => {
      results = await Promise.all(
        Array.from({ length: 300 }, (_, i) => claim(`burst-${i}`, 0, 1000, i % 2 === 0)),
      );
    });
    expect(results.every((r) => r.claimed)).toBe(true);
    expect(writes).toBe(Math.ceil(300 / 64));
  });

  it('answers a refused claim alone and commits the others sharing its transaction', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `mixed-${i}`);
    const first = await Promise.all(names.map((n) => claim(n, 0, 1000)));
    const revisions = first.map((r) => (r.claimed ? r.stateRevision : -1));
    // Someone else moves mixed-7's mark.
    await direct
      .put(`${prefix}state/mixed-7`)
      .value(JSON.stringify({ lastTick: 2000, runId: 'mixed-7@2000', workerId: 'w2' }));
    const results = await Promise.all(names.map((n, i) => claim(n, revisions[i], 2000)));
    const refused = results.filter((r) => !r.claimed);
    expect(refused).toEqual([
      expect.objectContaining({
        claimed: false,
        reason: 'moved',
        state: expect.objectContaining({ workerId: 'w2' }),
      }),
    ]);
    expect(results.filter((r) => r.claimed)).toHaveLength(19);
  });

  it('refuses a forbid claim while another run holds the job', async () => {
    const first = await claim('busy', 0, 1000, true);
    expect(first.claimed).toBe(true);
    const second = await claim('busy', first.claimed ? first.stateRevision : 0, 2000, true);
    expect(second).toMatchObject({ claimed: false, reason: 'running' });
  });

  it("carries a finished run's release in the next claim: one write per fire", async () => {
    let result: ClaimResult = await claim('every-second', 0, 1000, true);
    const key = lock.runningKey('every-second', 'x', true);
    const createRevision = result.claimed ? result.runningRevision : 0;
    const writes = await writesDuring(async () => {
      for (let tick = 2000; tick <= 6000; tick += 1000) {
        if (!result.claimed) throw new Error('claim refused');
        lock.releaseRunning(key, result.runningRevision);
        result = await claim('every-second', result.stateRevision, tick, true);
        expect(result).toMatchObject({ claimed: true, runningRevision: createRevision });
      }
    });
    expect(writes).toBe(5);
    const running = await direct.get(key).string();
    expect(JSON.parse(running ?? '{}')).toMatchObject({ runId: 'every-second@6000' });
  });

  it('an every-second allow job: each release rides with the next claim, none goes alone', async () => {
    // The run ends 100 ms after its claim; the next claim comes 900 ms later. A linger timer armed
    // by an earlier release fires in between and must not send the fresh release on its own.
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    let result: ClaimResult = await claim('allow-job', 0, 1000);
    const writes = await writesDuring(async () => {
      for (let tick = 2000; tick <= 5000; tick += 1000) {
        if (!result.claimed) throw new Error('claim refused');
        await sleep(100);
        lock.releaseRunning(
          lock.runningKey('allow-job', `allow-job@${tick - 1000}`, false),
          result.runningRevision,
        );
        await sleep(900);
        result = await claim('allow-job', result.stateRevision, tick);
      }
    });
    expect(writes).toBe(4);
    const left = await direct.getAll().prefix(`${prefix}running/allow-job/`).keys();
    expect(left).toHaveLength(1);
  });

  it('deletes a released key on its own after the linger time when no claim comes', async () => {
    const result = await claim('lonely', 0, 1000, true);
    if (!result.claimed) throw new Error('claim refused');
    const key = lock.runningKey('lonely', 'x', true);
    lock.releaseRunning(key, result.runningRevision);
    expect(await direct.get(key).string()).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, RELEASE_LINGER_MS + 500));
    expect(await direct.get(key).string()).toBeNull();
  });

  it('does not delete a key that a newer claim created', async () => {
    const result = await claim('reused', 0, 1000, true);
    if (!result.claimed) throw new Error('claim refused');
    const key = lock.runningKey('reused', 'x', true);
    // The lease ended and another worker claimed the next run: a new key, a new create revision.
    await direct.delete().key(key);
    await direct.put(key).value(JSON.stringify({ runId: 'reused@2000', workerId: 'w2' }));
    lock.releaseRunning(key, result.runningRevision);
    await lock.flushReleases();
    expect(JSON.parse((await direct.get(key).string()) ?? '{}')).toMatchObject({ workerId: 'w2' });
  });

  it('claims normally when the released key vanished before the next claim', async () => {
    const first = await claim('vanished', 0, 1000, true);
    if (!first.claimed) throw new Error('claim refused');
    const key = lock.runningKey('vanished', 'x', true);
    lock.releaseRunning(key, first.runningRevision);
    await direct.delete().key(key);
    const second = await claim('vanished', await stateOf('vanished'), 2000, true);
    expect(second).toMatchObject({ claimed: true });
    if (second.claimed) expect(second.runningRevision).toBe(second.stateRevision);
  });

  it('consumes a trigger of a forbid job whose last run ended moments ago', async () => {
    const first = await claim('manual', 0, 1000, true);
    if (!first.claimed) throw new Error('claim refused');
    const key = lock.runningKey('manual', 'x', true);
    lock.releaseRunning(key, first.runningRevision);
    const trigger = etcd.keys.trigger('manual', 'manual-run-1');
    await direct.put(trigger).value('{}');
    const consumed = await lock.consumeTrigger(trigger, {
      key,
      value: { runId: 'manual-run-1', workerId: 'w1' },
      leaseId,
      exclusive: true,
    });
    expect(consumed.outcome).toBe('consumed');
    expect(await direct.get(trigger).string()).toBeNull();
  });

  it('a second consumption of a consumed trigger is refused, even by the same worker', async () => {
    const trigger = etcd.keys.trigger('twice', 'twice@1');
    await direct.put(trigger).value('{}');
    const running = (claim: string) => ({
      key: lock.runningKey('twice', 'twice@1', false),
      value: { runId: 'twice@1', workerId: 'w1', claim },
      leaseId,
      exclusive: false,
    });
    expect((await lock.consumeTrigger(trigger, running('a.1'))).outcome).toBe('consumed');
    // The watch may still show the trigger: the worker tries again with a new attempt. Its own
    // running key from the first attempt must not pass for a commit of this one.
    expect((await lock.consumeTrigger(trigger, running('a.2'))).outcome).toBe('gone');
  });
});
