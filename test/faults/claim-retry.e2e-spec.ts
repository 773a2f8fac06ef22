import { Etcd3 } from 'etcd3';
import { loadConfig } from '../../src/config/app-config';
import { EtcdService } from '../../src/etcd/etcd.service';
import { LockService } from '../../src/etcd/lock.service';
import { isolationId, testStack } from '../support/env';
import { HoldingProxy } from './holding-proxy';

/**
 * Regression test (the bug was fixed in b7ffba0). Reproduction of a tick lost by the fault suite (a worker SIGSTOPped just after sending a claim):
 * the claim transaction commits, its answer comes after the 5 s call deadline, the etcd3 client
 * retries the transaction (DEADLINE_EXCEEDED counts as "recoverable"), the retry's compare fails
 * against the mark the first attempt wrote, and claimTick answers "moved" although the tick is
 * ours. The scheduler then adopts its own mark as someone else's: the tick neither runs nor is
 * recorded. A TCP proxy between client and etcd holds etcd's answers for 6 s to reproduce it.
 */
describe('a claim whose answer comes after the call deadline', () => {
  const etcdUrl = new URL(testStack().etcdEndpoints.split(',')[0]);
  const proxy = new HoldingProxy({ host: etcdUrl.hostname, port: Number(etcdUrl.port) });
  const prefix = `/t/${isolationId('claimretry')}/`;
  let etcd: EtcdService;
  let lock: LockService;
  let direct: Etcd3;

  beforeAll(async () => {
    await proxy.start();
    const config = loadConfig({
      ETCD_ENDPOINTS: `http://127.0.0.1:${proxy.port}`,
      ETCD_PREFIX: prefix,
    });
    etcd = new EtcdService(config);
    lock = new LockService(etcd, config);
    direct = new Etcd3({ hosts: testStack().etcdEndpoints.split(',') });
  });

  afterAll(async () => {
    proxy.release();
    lock.onApplicationShutdown();
    etcd.onApplicationShutdown();
    direct.close();
    await proxy.stop();
  });

  it('is not reported as lost to someone else when the transaction committed', async () => {
    const read = await lock.readState('job');
    const runId = `job@${Date.now()}`;
    proxy.holding = true;
    const releaseTimer = setTimeout(() => proxy.release(), 6000);
    let outcome: string;
    try {
      const result = await lock.claimTick({
        stateName: 'job',
        expectedRevision: read.revision,
        state: { lastTick: 1000, runId, workerId: 'w1' },
      });
      outcome = result.claimed ? 'claimed' : `not claimed (${result.reason})`;
    } catch (error) {
      // An error is honest: the caller re-reads the mark and can tell its own claim.
      outcome = `error: ${(error as Error).message}`;
    } finally {
      clearTimeout(releaseTimer);
      proxy.release();
    }
    const stored = await direct.get(`${prefix}state/job`).string();
    const committed = stored !== null && (JSON.parse(stored) as { runId?: string }).runId === runId;
    process.stdout.write(
      `claim-retry: claimTick said "${outcome}", etcd holds our claim: ${committed}\n`,
    );
    expect(committed).toBe(true);
    // The bug: the claim went through, and the caller is told it did not.
    expect(outcome).not.toMatch(/^not claimed/);
  }, 30000);
});
