import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mongoSpec, RunningService, startService } from '../../tools/stack/services';
import { AppProcess } from '../support/app-process';
import { isolationId, testStack } from '../support/env';
import { duplicates, lowPort, sleep, WorkerHarness } from './worker-harness';

const OUTAGE_MS = 15_000;

/**
 * Acceptance: the MongoDB-compatible server is stopped for 15 s while jobs keep firing every
 * second, then restarted on the same port. Workers spool run records to disk meanwhile and
 * replay them; after a graceful stop every ledger line has its final record.
 */
describe('run log through a MongoDB outage', () => {
  const stack = testStack();
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'cronplane-mongo-'));
  let mongo: RunningService | undefined;
  let harness: WorkerHarness;
  let workers: AppProcess[] = [];

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await harness?.close();
    await mongo?.stop();
  });

  it('spools while MongoDB is down and every record arrives after it is back', async () => {
    // A port below the ephemeral range, so no outgoing connection takes it during the outage.
    mongo = await startService(
      await mongoSpec(stack.binaries.mongo, dir, await lowPort(), stack.postgres),
    );
    const port = mongo.spec.port;
    harness = new WorkerHarness(isolationId('mongo'), mongo.spec.url, stack.etcdEndpoints);
    workers = await Promise.all(
      ['m1', 'm2'].map((id) =>
        harness.startWorker(id, { SESSION_TTL_SECONDS: '3', RUNLOG_FLUSH_MS: '500' }),
      ),
    );
    for (let i = 0; i < 6; i++) {
      await harness.putJob(
        harness.job(`job-${i}`, { concurrencyPolicy: 'allow', misfirePolicy: 'runAll' }),
      );
    }
    await sleep(6000);
    await mongo.stop();
    const downAt = Date.now();
    await sleep(OUTAGE_MS);
    mongo = await startService(await mongoSpec(stack.binaries.mongo, dir, port, stack.postgres));
    const upAt = Date.now();
    await sleep(8000);
    await harness.pauseJobs();
    await sleep(1500);
    const exits = await Promise.all(workers.map((w) => w.stop('SIGTERM')));
    expect(exits.map((e) => e.code)).toEqual([0, 0]);

    const ledger = harness.readLedger();
    expect(duplicates(ledger)).toEqual([]);
    const during = ledger.filter((l) => l.tick > downAt && l.tick < upAt);
    expect(during.length).toBeGreaterThan((OUTAGE_MS / 1000) * 5);
    const runs = await harness.runs();
    const byRunId = new Map(runs.map((r) => [r.runId, r]));
    const missing = ledger.filter((l) => byRunId.get(`${l.job}@${l.tick}`)?.status !== 'succeeded');
    expect(missing).toEqual([]);
    expect(runs.length).toBe(ledger.length);

    const logs = workers.flatMap((w) => w.logs());
    const spooled = logs.filter((l) => l.msg === 'run records spooled to disk');
    const replayed = logs.filter((l) => l.msg === 'spooled run records replayed');
    expect(spooled.length).toBeGreaterThan(0);
    expect(replayed.length).toBeGreaterThan(0);
    // Nothing is left waiting on disk.
    const spoolDir = join(harness.dir, 'spool');
    expect(existsSync(spoolDir) ? readdirSync(spoolDir) : []).toEqual([]);
    const replayedCount = replayed.reduce((n, l) => n + Number(l.count ?? 0), 0);
    process.stdout.write(
      `mongo outage: ${ledger.length} runs, ${during.length} during the ${OUTAGE_MS / 1000} s outage, ` +
        `${replayedCount} record operations replayed from the spool, 0 lost\n`,
    );
  }, 120_000);
});
