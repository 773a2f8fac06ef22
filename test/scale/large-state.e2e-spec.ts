import { Range } from 'etcd3';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../../src/config/app-config';
import { EtcdService } from '../../src/etcd/etcd.service';
import { etcdPageReader, listPrefix, PageReader, readRange } from '../../src/etcd/paged-range';
import { WorkerRegistryRepository } from '../../src/workers/worker-registry.repository';
import { AppProcess, startApp } from '../support/app-process';
import { appEnv, isolationId, testStack } from '../support/env';
import { HoldingProxy } from '../faults/holding-proxy';
import { WorkerHarness, sleep } from '../worker/worker-harness';
import { bulkJobName, countKeys, currentRevision, seedJobs } from './seed';

/** Jobs seeded before the cases: ten times what one unpaged gRPC answer can carry. */
const BULK = 100_000;
/** The bound for a worker's first tick and a master's duties, from the process start. */
const BOUND_MS = 10_000;
const TOKEN = 'scale-admin-token-0123456789';

/** Milliseconds from `since` until `check` holds, polled every 50 ms; Infinity past `limitMs`. */
async function msUntil(
  since: number,
  limitMs: number,
  check: () => Promise<boolean> | boolean,
): Promise<number> {
  while (Date.now() - since <= limitMs) {
    if (await check()) return Date.now() - since;
    await sleep(50);
  }
  return Infinity;
}

/**
 * Issue 15: a cluster of 100,000 existing jobs. A prefix used to be read in one range read, whose
 * answer (about 45 MB) is over the etcd client's 4 MiB limit: a worker started into it never
 * listed its jobs and ran nothing, and the failed reads opened the client's circuit breaker for
 * the session's keep-alives too. Every listing is now paged at one revision. The jobs are seeded
 * once; the worker of the first case is reused by the second.
 */
describe('100,000 existing jobs', () => {
  const stack = testStack();
  const id = isolationId('scale');
  const harness = new WorkerHarness(id, stack.mongoUrl, stack.etcdEndpoints);
  const etcdUrl = new URL(stack.etcdEndpoints.split(',')[0]);
  /** Between the worker and etcd, to cut the worker's connections in the compaction case. */
  const proxy = new HoldingProxy({ host: etcdUrl.hostname, port: Number(etcdUrl.port) });
  const processes: AppProcess[] = [];
  let worker: AppProcess | undefined;
  /** Jobs under the prefix besides the bulk ones. */
  let extra = 0;

  const firedOnce = (job: string) => (): boolean =>
    harness.readLedger().some((line) => line.job === job);

  /** Whether the worker said that it has listed every partition it holds (256). */
  const allListed = (logs: Record<string, unknown>[]): boolean =>
    logs.some((line) => line.msg === 'partitions listed' && line.partitions === 256);

  const ownedJobs = async (app: AppProcess): Promise<number | undefined> => {
    try {
      const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
      const match = /^cronplane_owned_jobs(?:\{[^}]*\})? (\d+)/m.exec(text);
      return match ? Number(match[1]) : undefined;
    } catch {
      return undefined;
    }
  };

  beforeAll(async () => {
    await proxy.start();
    const started = Date.now();
    await seedJobs(harness.etcd, harness.prefix, BULK);
    const seeded = await countKeys(harness.etcd, `${harness.prefix}specs/`);
    console.log(`seeded ${seeded} jobs in ${Date.now() - started} ms`);
    expect(seeded).toBe(BULK);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(processes.map((app) => app.stop('SIGTERM', 20_000)));
    await harness.etcd.delete().prefix(harness.prefix);
    await proxy.stop();
    await harness.close();
  }, 60_000);

  it('a worker started into them fires its first due tick within 10 s', async () => {
    await harness.putJob(harness.job('every-second', {}));
    extra += 1;
    const startedAt = Date.now();
    worker = await harness.startWorker('scale-worker', {
      ETCD_ENDPOINTS: `http://127.0.0.1:${proxy.port}`,
    });
    processes.push(worker);
    const firstTickMs = await msUntil(startedAt, 30_000, firedOnce('every-second'));
    console.log(`worker: first tick ${firstTickMs} ms after its start`);
    // The due job's partition may be listed before the others: the rest follow.
    const app = worker;
    const listedMs = await msUntil(startedAt, 60_000, () => allListed(app.logs()));
    console.log(`worker: all 256 partitions listed ${listedMs} ms after its start`);
    const out = worker.output();
    expect(out).not.toMatch(/initial listing failed|circuit breaker is open|RESOURCE_EXHAUSTED/);
    expect(worker.logs()).toContainEqual(
      expect.objectContaining({ msg: 'partitions listed', partitions: 256, jobs: BULK + extra }),
    );
    expect(firstTickMs).toBeLessThanOrEqual(BOUND_MS);
    expect(await ownedJobs(worker)).toBe(BULK + extra);
  }, 60_000);

  it('a worker whose watches drop while etcd compacts past them re-lists and fires a new job within 10 s', async () => {
    expect(worker).toBeDefined();
    const app = worker!;
    const logsBefore = app.logs().length;
    // The worker hears nothing from here on: the new job's put never reaches its watch.
    proxy.holding = true;
    await harness.putJob(harness.job('fresh', {}));
    extra += 1;
    const revision = await currentRevision(harness.etcd);
    await harness.etcd.kv.compact({ revision, physical: true });
    // The connections die; the worker reconnects through the proxy at once.
    const cutAt = Date.now();
    proxy.cut();
    proxy.holding = false;
    const freshMs = await msUntil(cutAt, 30_000, firedOnce('fresh'));
    console.log(`worker: new job fired ${freshMs} ms after the cut and compaction`);
    await msUntil(cutAt, 60_000, () => allListed(app.logs().slice(logsBefore)));
    const after = app.logs().slice(logsBefore);
    expect(after).toContainEqual(
      expect.objectContaining({
        context: 'PartitionMirror',
        msg: expect.stringMatching(/re-listing the held partitions/),
      }),
    );
    expect(after).not.toContainEqual(
      expect.objectContaining({ msg: expect.stringMatching(/listing failed/) }),
    );
    expect(app.output()).not.toMatch(/circuit breaker is open|RESOURCE_EXHAUSTED/);
    expect(freshMs).toBeLessThanOrEqual(BOUND_MS);
    expect(await ownedJobs(app)).toBe(BULK + extra);
    // Its session lived through it: still registered, still firing the every-second job.
    expect(await harness.keys('workers/')).toHaveProperty(['workers/scale-worker']);
  }, 60_000);

  it('a listing whose revision is compacted before its last page starts over at a new one', async () => {
    const real = etcdPageReader(harness.etcd);
    let pages = 0;
    let compactedAt = 0;
    const read: PageReader = async (request) => {
      pages += 1;
      if (pages === 2) {
        // A write and a compaction between the first and the second page.
        await harness.put('noise', { at: Date.now() });
        compactedAt = await currentRevision(harness.etcd);
        await harness.etcd.kv.compact({ revision: compactedAt, physical: true });
      }
      return real(request);
    };
    const range = Range.prefix(`${harness.prefix}specs/`);
    const started = Date.now();
    const listing = await readRange(read, range.start, range.end);
    console.log(
      `listing: ${listing.kvs.length} keys in ${listing.pages} pages, ${Date.now() - started} ms`,
    );
    expect(listing.restarts).toBe(1);
    expect(listing.revision).toBeGreaterThanOrEqual(compactedAt);
    expect(listing.kvs).toHaveLength(BULK + extra);
    // Key order: slot first (a hundred thousand jobs fill every slot).
    expect(listing.kvs[0].key.toString()).toMatch(
      new RegExp(`^${harness.prefix}specs/default/00/`),
    );
    // And the plain helper reads the same at one revision.
    expect((await listPrefix(harness.etcd, `${harness.prefix}specs/`)).kvs).toHaveLength(
      BULK + extra,
    );
  }, 60_000);

  it('reads too large for the client do not stop the session’s keep-alives', async () => {
    const config = loadConfig({ ETCD_ENDPOINTS: stack.etcdEndpoints, ETCD_PREFIX: harness.prefix });
    const etcd = new EtcdService(config);
    const registry = new WorkerRegistryRepository(etcd);
    try {
      const lease = await registry.grantLease(10);
      // The unpaged read of the old code, five times: each answer is over 4 MiB.
      const unpaged = () => etcd.client.getAll().prefix(`${harness.prefix}specs/`).exec();
      await expect(unpaged()).rejects.toThrow(/RESOURCE_EXHAUSTED|larger than max/);
      for (let i = 0; i < 4; i++) await expect(unpaged()).rejects.toThrow();
      // With the library's default breaker these failed with "circuit breaker is open".
      expect(await registry.keepAlive(lease.id, 3000)).toBeGreaterThan(0);
      // And the other calls of a session: a put on the lease, a delete, the revocation.
      await etcd.client.put(`${harness.prefix}probe`).value('x').lease(lease.id).exec();
      await etcd.client.delete().key(`${harness.prefix}probe`).exec();
      await registry.revokeLease(lease.id);
    } finally {
      etcd.onApplicationShutdown();
    }
  }, 60_000);

  it('a master started into them leads and does its listing duties within 10 s', async () => {
    // The worker's work is done; the master gets the machine.
    if (worker) await worker.stop('SIGTERM', 20_000);
    // Runs recorded running whose worker is gone: the leader's reaper must call them lost. One
    // is where runs still going are kept (runs_active), one where releases before that kept them
    // (in the history itself, an upgrade): the leader moves it first.
    const mongo = new MongoClient(`${stack.mongoUrl}/${id}`);
    const active = mongo.db().collection('runs_active');
    const outcomes = mongo.db().collection('runs');
    const orphan = (runId: string) => ({
      runId,
      job: bulkJobName(1),
      tick: new Date(),
      attempt: 1,
      trigger: 'manual',
      status: 'running',
      workerId: 'gone-worker',
      startedAt: new Date(),
    });
    const lostRunId = `${bulkJobName(1)}@${Date.now()}`;
    const legacyRunId = `${bulkJobName(2)}@${Date.now()}`;
    await active.insertOne(orphan(lostRunId));
    await outcomes.insertOne(orphan(legacyRunId));
    const startedAt = Date.now();
    const master = await startApp(
      appEnv(id, {
        ROLE: 'master',
        CRON_ADMIN_TOKEN: TOKEN,
        WORKER_ID: 'scale-master',
        SESSION_TTL_SECONDS: '3',
        RUNLOG_FLUSH_MS: '100',
        REAPER_INTERVAL_SECONDS: '1',
        // Alerts delivered by the leader itself, not through the stream other files share.
        NATS_URL: '',
      }),
    );
    processes.push(master);
    const api = async <T>(path: string): Promise<{ status: number; body: T }> => {
      const response = await fetch(`${master.baseUrl}/api/v1${path}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      return { status: response.status, body: (await response.json()) as T };
    };
    try {
      const leaderMs = await msUntil(startedAt, 30_000, async () => {
        const reply = await api<{ leader: { id: string } | null }>('/cluster');
        return reply.status === 200 && reply.body.leader !== null;
      });
      const page = await api<{ items: { name: string }[]; nextCursor: string | null }>(
        '/jobs?limit=500',
      );
      const firstPageMs = Date.now() - startedAt;
      const workers = await api<unknown>('/workers');
      const workersMs = Date.now() - startedAt;
      console.log(
        `master: leader after ${leaderMs} ms, first job page ${firstPageMs} ms, workers ${workersMs} ms`,
      );
      expect(leaderMs).toBeLessThanOrEqual(BOUND_MS);
      expect(page.status).toBe(200);
      expect(page.body.items).toHaveLength(500);
      expect(page.body.nextCursor).not.toBeNull();
      expect(firstPageMs).toBeLessThanOrEqual(BOUND_MS);
      expect(workers.status).toBe(200);
      expect(workersMs).toBeLessThanOrEqual(BOUND_MS);

      // The job count, page by page through the API.
      const walkStarted = Date.now();
      let count = 0;
      let cursor: string | null = null;
      do {
        const path: string =
          cursor === null
            ? '/jobs?limit=500'
            : `/jobs?limit=500&cursor=${encodeURIComponent(cursor)}`;
        const reply = await api<{ items: unknown[]; nextCursor: string | null }>(path);
        expect(reply.status).toBe(200);
        count += reply.body.items.length;
        cursor = reply.body.nextCursor;
      } while (cursor !== null);
      console.log(
        `master: counted ${count} jobs through the API in ${Date.now() - walkStarted} ms`,
      );
      expect(count).toBe(BULK + extra);

      // The reaper lists the running runs every second; the run is lost once it has been seen
      // without a running key for lostAfterMs (3 TTLs: 9 s).
      const lostMs = await msUntil(
        startedAt,
        BOUND_MS + 9_000 + 5_000,
        async () =>
          (await active.countDocuments({
            runId: { $in: [lostRunId, legacyRunId] },
            status: 'lost',
          })) === 2,
      );
      expect(await outcomes.countDocuments({ runId: legacyRunId })).toBe(0);
      console.log(`master: the reaper recorded the orphaned runs lost ${lostMs} ms after start`);
      expect(lostMs).toBeLessThanOrEqual(BOUND_MS + 9_000 + 5_000);
      expect(master.logs()).toContainEqual(expect.objectContaining({ msg: 'became leader' }));
      expect(master.output()).not.toMatch(/circuit breaker is open|RESOURCE_EXHAUSTED/);
    } finally {
      await mongo.close();
    }
  }, 90_000);
});
