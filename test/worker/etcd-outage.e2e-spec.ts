import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdSpec, RunningService, startService, waitUntil } from '../../tools/stack/services';
import { AppProcess } from '../support/app-process';
import { isolationId, testStack } from '../support/env';
import { duplicates, lowPort, sleep, WorkerHarness } from './worker-harness';

/**
 * A worker never goes stale silently: etcd is stopped for 6 s (longer than the 3 s session TTL)
 * and restarted. The worker stops claiming while it cannot renew its session, says so at warn,
 * re-lists and re-watches its tables when etcd is back, and then picks up a job created after
 * the outage. No tick runs twice.
 */
describe('etcd outage: watches and the session recover', () => {
  const stack = testStack();
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'cronplane-etcd-'));
  let etcd: RunningService | undefined;
  let harness: WorkerHarness | undefined;
  let worker: AppProcess | undefined;

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await harness?.close();
    await etcd?.stop();
  });

  it('stops claiming during the outage, resyncs after it, and sees new jobs', async () => {
    // Ports below the ephemeral range: while etcd is down, no outgoing connection can take them.
    const [clientPort, peerPort] = [await lowPort(), await lowPort()];
    const base = await etcdSpec(stack.binaries.etcd, dir, clientPort);
    const peer = /--listen-peer-urls=http:\/\/127\.0\.0\.1:(\d+)/.exec(base.args.join(' '))![1];
    const spec = {
      ...base,
      args: base.args.map((arg) => arg.split(`:${peer}`).join(`:${peerPort}`)),
    };
    etcd = await startService(spec);
    harness = new WorkerHarness(isolationId('etcd'), stack.mongoUrl, spec.url);
    const h = harness;
    worker = await startApp(h, spec.url);
    await h.putJob(h.job('before', { concurrencyPolicy: 'allow', misfirePolicy: 'runAll' }));
    await waitUntil(
      () => h.readLedger().some((l) => l.job === 'before'),
      10000,
      'the first job to run',
    );

    await etcd.stop();
    const downAt = Date.now();
    await sleep(6000);
    // The outage ends when etcd is launched again: the worker may reconnect and catch up before
    // startService has seen etcd ready, which on a loaded machine takes seconds more.
    const restartAt = Date.now();
    etcd = await startService(spec);
    const upAt = Date.now();

    await h.putJob(h.job('after', { concurrencyPolicy: 'allow' }));
    await waitUntil(
      () => h.readLedger().some((l) => l.job === 'after'),
      15000,
      'a job created after the outage to run',
    );
    const pickedUp = Date.now() - upAt;
    await sleep(2000);
    await h.pauseJobs();
    await sleep(1500);

    const ledger = h.readLedger();
    expect(duplicates(ledger)).toEqual([]);
    // No tick was claimed while etcd was away: a run that started during the outage is one
    // claimed before it, so its tick is at most CLAIM_LEAD_MS (100) past the stop, however late
    // a loaded machine started it. The ticks of the outage were caught up afterwards (misfire
    // policy runAll).
    const runs = await h.runs({ job: 'before' });
    const claimedDuring = runs.filter(
      (r) => +r.startedAt! >= downAt && +r.startedAt! < restartAt && +r.tick >= downAt + 100,
    );
    expect(claimedDuring).toEqual([]);
    const caughtUp = runs.filter((r) => r.trigger === 'catchup');
    expect(caughtUp.length).toBeGreaterThan(0);
    expect(ledger.filter((l) => l.job === 'before').length).toBe(runs.length);
    const logs = worker.logs();
    const messages = new Set(logs.map((l) => String(l.msg)));
    expect(messages.has('not claiming: session lease not confirmed recently enough')).toBe(true);
    expect(
      logs.some((l) => l.level === 'warn' && /re-listing and re-watching/.test(String(l.msg))),
    ).toBe(true);
    process.stdout.write(
      `etcd outage: job created after the restart ran ${pickedUp} ms after etcd was back\n`,
    );
  }, 90_000);
});

function startApp(harness: WorkerHarness, etcdUrl: string): Promise<AppProcess> {
  return harness.startWorker('e1', { ETCD_ENDPOINTS: etcdUrl, SESSION_TTL_SECONDS: '3' });
}
