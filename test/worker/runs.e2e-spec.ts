import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { RELEASE_LINGER_MS } from '../../src/etcd/lock.service';
import { waitUntil } from '../../tools/stack/services';
import { AppProcess } from '../support/app-process';
import { isolationId, testStack } from '../support/env';
import { processesStartingWith, RunDoc, sleep, WorkerHarness } from './worker-harness';

/**
 * Executor and policy behaviour on two shared workers (labels zone=a and zone=b): timeout and
 * kill of a command with children, forbid, replace, manual runs and retries through trigger keys,
 * target mode all, label targeting, paused jobs, and live output chunks.
 */
describe('worker runs: executor, policies, triggers', () => {
  const stack = testStack();
  const harness = new WorkerHarness(isolationId('runs'), stack.mongoUrl, stack.etcdEndpoints);
  let workers: AppProcess[] = [];
  const YEARLY = '0 0 1 1 *';
  const marker = String(10000 + Math.floor(Math.random() * 80000));

  beforeAll(async () => {
    const common = { SESSION_TTL_SECONDS: '3', KILL_GRACE_SECONDS: '1' };
    workers = await Promise.all([
      harness.startWorker('wa', { ...common, WORKER_LABELS: 'zone=a' }),
      harness.startWorker('wb', { ...common, WORKER_LABELS: 'zone=b' }),
      harness.startWorker('wc', {
        ...common,
        WORKER_LABELS: 'zone=c',
        WORKER_MAX_CONCURRENT: '1',
        WORKER_DRAIN_SECONDS: '1',
      }),
    ]);
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGTERM')));
    if (process.env.WORKER_LOGS) {
      writeFileSync(process.env.WORKER_LOGS, workers.map((w) => w.output()).join('\n'));
    }
    await harness.close();
  });

  const trigger = async (job: string, runId: string, extra: Record<string, unknown> = {}) => {
    const now = Date.now();
    await harness.put(`trigger/${job}/${runId}`, {
      runId,
      trigger: 'manual',
      attempt: 1,
      notBefore: now,
      tick: now,
      reason: 'test',
      ...extra,
    });
  };

  const runOf = async (runId: string, statuses: string[], timeoutMs = 20000): Promise<RunDoc> => {
    let found: RunDoc | undefined;
    await waitUntil(
      async () => {
        [found] = await harness.runs({ runId });
        return found !== undefined && statuses.includes(found.status);
      },
      timeoutMs,
      `run ${runId} to be ${statuses.join('/')}`,
    );
    return found!;
  };

  it('timeout: SIGTERM then SIGKILL the whole process group, status timeout, nothing left', async () => {
    const sleeper = `sleep 1${marker}1`;
    await harness.putJob(
      harness.job('tmo', {
        cronExpr: YEARLY,
        command: `${sleeper} & ${sleeper}; wait`,
        timeoutSeconds: 1,
      }),
    );
    await trigger('tmo', 'tmo@1!a');
    // A run shorter than the run log's flush interval may go straight to its final record.
    const run = await runOf('tmo@1!a', ['timeout'], 10000);
    expect(run.error).toMatch(/timed out/);
    await sleep(300);
    expect(processesStartingWith(sleeper)).toEqual([]);
  });

  it('kill request by run id: status killed, children gone too', async () => {
    const sleeper = `sleep 1${marker}2`;
    await harness.putJob(
      harness.job('kil', { cronExpr: YEARLY, command: `${sleeper} & ${sleeper}; wait` }),
    );
    await trigger('kil', 'kil@1!b');
    await runOf('kil@1!b', ['running']);
    await waitUntil(() => processesStartingWith(sleeper).length === 2, 5000, 'both sleeps to run');
    await harness.put('kill/kil@1!b', { requestedBy: 'test', at: new Date().toISOString() });
    const run = await runOf('kil@1!b', ['killed'], 10000);
    expect(run.error).toMatch(/kill requested by test/);
    await sleep(300);
    expect(processesStartingWith(sleeper)).toEqual([]);
    // The running key goes (its delete rides with the next claim batch, or goes alone after
    // RELEASE_LINGER_MS) and the kill request was consumed.
    await waitUntil(
      async () => Object.keys(await harness.keys('running/kil')).length === 0,
      RELEASE_LINGER_MS + 3000,
      'the running key to be released',
    );
    expect(Object.keys(await harness.keys('kill/kil'))).toEqual([]);
  });

  it('kill request by job name stops its runs', async () => {
    const sleeper = `sleep 1${marker}3`;
    await harness.putJob(harness.job('kjob', { cronExpr: YEARLY, command: `${sleeper}` }));
    await trigger('kjob', 'kjob@1!c');
    await runOf('kjob@1!c', ['running']);
    await harness.put('kill/kjob', { requestedBy: 'test', at: new Date().toISOString() });
    await runOf('kjob@1!c', ['killed'], 10000);
    expect(processesStartingWith(sleeper)).toEqual([]);
  });

  it('manual run, then retries with backoff through trigger keys until an attempt succeeds', async () => {
    const attempts = join(harness.dir, 'attempts');
    await harness.putJob(
      harness.job('flaky', {
        cronExpr: YEARLY,
        command: `echo "$CRON_RUN_ID $CRON_ATTEMPT" >> ${attempts}; [ "$CRON_ATTEMPT" -ge 3 ]`,
        retries: { max: 3, backoffSeconds: 1, factor: 2 },
      }),
    );
    await trigger('flaky', 'flaky@5!d');
    const third = await runOf('flaky@5!d#3', ['succeeded'], 20000);
    expect(third).toMatchObject({ trigger: 'retry', attempt: 3 });
    const runs = (await harness.runs({ job: 'flaky' })).sort((a, b) => a.attempt - b.attempt);
    expect(runs.map((r) => [r.runId, r.status, r.trigger])).toEqual([
      ['flaky@5!d', 'failed', 'manual'],
      ['flaky@5!d#2', 'failed', 'retry'],
      ['flaky@5!d#3', 'succeeded', 'retry'],
    ]);
    // Backoff: 1 s before attempt 2, 2 s before attempt 3.
    const gap = (a: RunDoc, b: RunDoc) => b.startedAt!.getTime() - a.endedAt!.getTime();
    expect(gap(runs[0], runs[1])).toBeGreaterThanOrEqual(1000);
    expect(gap(runs[1], runs[2])).toBeGreaterThanOrEqual(2000);
    expect(readFileSync(attempts, 'utf8').trim().split('\n')).toEqual([
      'flaky@5!d 1',
      'flaky@5!d#2 2',
      'flaky@5!d#3 3',
    ]);
  });

  it('forbid with a 3 s command every second: never two runs at once; skipped ticks recorded', async () => {
    await harness.putJob(
      harness.job('forbid', { command: 'sleep 3', concurrencyPolicy: 'forbid' }),
    );
    await sleep(9000);
    await harness.putJob(harness.job('forbid', { command: 'sleep 3', enabled: false }));
    await sleep(3500);
    const runs = await harness.runs({ job: 'forbid' });
    const executed = runs
      .filter((r) => r.status !== 'skipped')
      .sort((a, b) => +a.startedAt! - +b.startedAt!);
    const skipped = runs.filter((r) => r.status === 'skipped');
    expect(executed.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < executed.length; i++) {
      expect(executed[i].startedAt!.getTime()).toBeGreaterThanOrEqual(
        executed[i - 1].endedAt!.getTime(),
      );
    }
    expect(skipped.length).toBeGreaterThanOrEqual(4);
    expect(skipped[0].error).toMatch(/policy forbid/);
    const ticks = runs.map((r) => r.tick.getTime());
    expect(new Set(ticks).size).toBe(ticks.length);
  });

  it('replace: a new tick kills the run still going', async () => {
    await harness.putJob(
      harness.job('repl', {
        command: `sleep 1${marker}4`,
        cronExpr: '@every 2s',
        concurrencyPolicy: 'replace',
      }),
    );
    await sleep(5500);
    await harness.putJob(harness.job('repl', { command: 'true', enabled: false }));
    await sleep(2500);
    const runs = await harness.runs({ job: 'repl' });
    expect(runs.filter((r) => r.status === 'killed').length).toBeGreaterThanOrEqual(1);
    expect(runs.find((r) => r.status === 'killed')?.error).toMatch(/replace/);
    expect(processesStartingWith(`sleep 1${marker}4`).length).toBeLessThanOrEqual(1);
    await harness.deleteJob('repl');
  });

  it('target mode all: every matching worker runs every tick under its own run id', async () => {
    await harness.putJob(
      harness.job('all', { target: { labels: {}, mode: 'all' }, concurrencyPolicy: 'allow' }),
    );
    await sleep(4500);
    await harness.deleteJob('all');
    await sleep(1500);
    const lines = harness.readLedger().filter((l) => l.job === 'all');
    const runs = await harness.runs({ job: 'all' });
    const perTick = new Map<number, string[]>();
    for (const r of runs)
      perTick.set(r.tick.getTime(), [...(perTick.get(r.tick.getTime()) ?? []), r.workerId!]);
    const full = [...perTick.values()].filter((ids) => ids.length === workers.length);
    expect(full.length).toBeGreaterThanOrEqual(3);
    for (const ids of perTick.values()) expect(new Set(ids).size).toBe(ids.length);
    expect(runs.every((r) => r.runId === `all@${r.tick.getTime()}@${r.workerId}`)).toBe(true);
    expect(lines.length).toBe(runs.filter((r) => r.status === 'succeeded').length);
  });

  it('labels: a job targeted at zone=b runs only on the zone=b worker; paused jobs never fire', async () => {
    await harness.putJob(harness.job('zoned', { target: { labels: { zone: 'b' }, mode: 'one' } }));
    await harness.putJob(harness.job('paused', { enabled: false }));
    await sleep(3500);
    await harness.deleteJob('zoned');
    const runs = await harness.runs({ job: 'zoned' });
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(new Set(runs.map((r) => r.workerId))).toEqual(new Set(['wb']));
    expect(await harness.runs({ job: 'paused' })).toEqual([]);
  });

  it('publishes live output in numbered chunks while the run is going', async () => {
    await harness.putJob(
      harness.job('chatty', {
        cronExpr: YEARLY,
        command: 'for i in 1 2 3 4; do echo "line $i"; sleep 0.4; done',
      }),
    );
    await trigger('chatty', 'chatty@1!e');
    const client = new MongoClient(stack.mongoUrl);
    try {
      const chunks = client
        .db(harness.id)
        .collection<{ runId: string; seq: number; data: string }>('run_output');
      await waitUntil(
        async () => (await chunks.countDocuments({ runId: 'chatty@1!e' })) >= 1,
        5000,
        'a live chunk',
      );
      // The first chunk is out while the run is still going (it lasts 1.6 s).
      const record = await harness.runs({ runId: 'chatty@1!e' });
      expect(record[0]?.status ?? 'running').toBe('running');
      const done = await runOf('chatty@1!e', ['succeeded'], 10000);
      await sleep(700);
      const all = await chunks.find({ runId: 'chatty@1!e' }).sort({ seq: 1 }).toArray();
      expect(all.map((c) => c.seq)).toEqual(all.map((_, i) => i + 1));
      expect(all.map((c) => c.data).join('')).toBe(done.output);
    } finally {
      await client.close();
    }
  });

  it('WORKER_MAX_CONCURRENT: a tick over the limit waits for a slot, late but never skipped', async () => {
    // Every second, 2 s each, on a worker with one slot: each tick waits for the run before it.
    await harness.putJob(
      harness.job('busy', {
        command: 'sleep 2',
        concurrencyPolicy: 'allow',
        target: { labels: { zone: 'c' }, mode: 'one' },
      }),
    );
    await sleep(6500);
    await harness.putJob(
      harness.job('busy', {
        command: 'sleep 2',
        enabled: false,
        target: { labels: { zone: 'c' }, mode: 'one' },
      }),
    );
    await sleep(2500);
    const runs = (await harness.runs({ job: 'busy' })).sort(
      (a, b) => a.tick.getTime() - b.tick.getTime(),
    );
    expect(runs.filter((r) => r.status !== 'succeeded' && r.status !== 'running')).toEqual([]);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    // One at a time, ticks in order, one second apart: each waited for the one before it.
    const ticks = runs.map((r) => r.tick.getTime());
    expect(ticks.slice(1).map((t, i) => t - ticks[i])).toEqual(ticks.slice(1).map(() => 1000));
    for (let i = 1; i < runs.length; i++) {
      if (!runs[i - 1].endedAt) continue;
      expect(runs[i].startedAt!.getTime()).toBeGreaterThanOrEqual(runs[i - 1].endedAt!.getTime());
    }
    // The waiting shows as lateness: the third tick started a second or more after its time.
    expect(runs[2].latenessMs).toBeGreaterThanOrEqual(1000);
    expect(new Set(runs.map((r) => r.workerId))).toEqual(new Set(['wc']));
  });

  it('SIGTERM: running work gets WORKER_DRAIN_SECONDS, then is killed and recorded; the worker exits 0', async () => {
    const sleeper = `sleep 1${marker}5`;
    await harness.putJob(
      harness.job('long', {
        cronExpr: YEARLY,
        command: sleeper,
        target: { labels: { zone: 'c' }, mode: 'one' },
      }),
    );
    await trigger('long', 'long@1!f');
    await runOf('long@1!f', ['running']);
    const wc = workers[2];
    const stopping = Date.now();
    const exit = await wc.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - stopping).toBeLessThan(8000);
    const run = await runOf('long@1!f', ['killed'], 5000);
    expect(run.error).toMatch(/shutting down/);
    expect(processesStartingWith(sleeper)).toEqual([]);
    // Deregistered: its registration is gone at once, not after the lease TTL.
    expect(Object.keys(await harness.keys('workers/'))).not.toContain('workers/wc');
  });
});
