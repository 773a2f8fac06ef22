import { AppProcess } from '../support/app-process';
import { isolationId, testStack } from '../support/env';
import { duplicates, RunDoc, sleep, WorkerHarness } from './worker-harness';

const TTL_SECONDS = 5;
const THRESHOLD_MS = 1500;
const POLICIES = ['skip', 'runOnce', 'runAll'] as const;
const PER_POLICY = 10;

/**
 * Acceptance under faults: 3 workers, 30 jobs every second for 60 s (10 per misfire policy).
 * At 20 s one worker is SIGKILLed, at 28 s another is SIGSTOPped for longer than the lease TTL
 * and resumed, at 42 s the third is restarted. The ledger must have no duplicate (job, tick);
 * every tick between a job's first and last is either in the ledger or recorded `missed`; the
 * dead worker's jobs fire elsewhere within the TTL; each misfire policy shows its own behaviour.
 */
describe('failover: SIGKILL, SIGSTOP past the TTL, restart', () => {
  const stack = testStack();
  const harness = new WorkerHarness(isolationId('fail'), stack.mongoUrl, stack.etcdEndpoints);
  const env = {
    SESSION_TTL_SECONDS: String(TTL_SECONDS),
    MISFIRE_THRESHOLD_MS: String(THRESHOLD_MS),
  };
  const workers = new Map<string, AppProcess>();

  afterAll(async () => {
    for (const worker of workers.values()) {
      worker.child.kill('SIGCONT');
      await worker.stop('SIGKILL');
    }
    await harness.close();
  });

  const policyOf = (job: string) => POLICIES.find((p) => job.startsWith(`${p}-`))!;
  /** The jobs `workerId` was running in the `ms` before `at`, from the run records. */
  const jobsOf = (runs: RunDoc[], workerId: string, at: number, ms = 2500): Set<string> =>
    new Set(
      runs
        .filter(
          (r) => r.workerId === workerId && r.tick.getTime() > at - ms && r.tick.getTime() <= at,
        )
        .map((r) => r.job),
    );
  /** Time from `at` until every job in `jobs` ran a tick after `at` on another worker. */
  const takeover = (runs: RunDoc[], jobs: Set<string>, not: string, at: number): number =>
    Math.max(
      ...[...jobs].map((job) => {
        const after = runs
          .filter(
            (r) => r.job === job && r.workerId !== not && r.startedAt && r.startedAt.getTime() > at,
          )
          .map((r) => r.startedAt!.getTime());
        return after.length > 0 ? Math.min(...after) - at : Infinity;
      }),
    );

  it('loses no tick silently, runs none twice, and fails over within the TTL', async () => {
    for (const id of ['w1', 'w2', 'w3']) workers.set(id, await harness.startWorker(id, env));
    for (const policy of POLICIES) {
      for (let i = 0; i < PER_POLICY; i++) {
        await harness.putJob(
          harness.job(`${policy}-${i}`, { misfirePolicy: policy, concurrencyPolicy: 'allow' }),
        );
      }
    }
    const t0 = Date.now();
    const at = (s: number) => sleep(Math.max(0, t0 + s * 1000 - Date.now()));

    await at(20);
    const killedAt = Date.now();
    workers.get('w1')!.child.kill('SIGKILL');

    await at(28);
    const stoppedAt = Date.now();
    workers.get('w2')!.child.kill('SIGSTOP');
    await at(28 + TTL_SECONDS + 3);
    workers.get('w2')!.child.kill('SIGCONT');

    await at(42);
    const restartAt = Date.now();
    const w3exit = await workers.get('w3')!.stop('SIGTERM');
    if (w3exit.code !== 0)
      process.stdout.write(workers.get('w3')!.output().split('\n').slice(-60).join('\n'));
    expect(w3exit.code).toBe(0);
    workers.set('w3', await harness.startWorker('w3', env));

    await at(60);
    await harness.pauseJobs();
    await sleep(1500);
    for (const id of ['w2', 'w3']) expect((await workers.get(id)!.stop('SIGTERM')).code).toBe(0);

    const ledger = harness.readLedger();
    const runs = await harness.runs();
    const byRunId = new Map(runs.map((r) => [r.runId, r]));

    // 1. Zero duplicates.
    expect(duplicates(ledger)).toEqual([]);
    expect(runs.filter((r) => r.runId.includes('#'))).toEqual([]);

    // 2. No silent loss: every tick is in the ledger or recorded missed. The only exception is a
    //    tick the SIGKILLed worker had claimed at the very moment it died.
    const nearKill = (tick: number) => tick > killedAt - 1500 && tick <= killedAt;
    const unaccounted: string[] = [];
    let lostAtKill = 0;
    const gapsByPolicy = { skip: 0, runOnce: 0, runAll: 0 };
    for (const policy of POLICIES) {
      for (let i = 0; i < PER_POLICY; i++) {
        const job = `${policy}-${i}`;
        const ticks = ledger.filter((l) => l.job === job).map((l) => l.tick);
        const first = Math.min(...ticks);
        const last = Math.max(...ticks);
        for (let tick = first; tick <= last; tick += 1000) {
          if (ticks.includes(tick)) continue;
          gapsByPolicy[policy] += 1;
          const record = byRunId.get(`${job}@${tick}`);
          if (record?.status === 'missed') continue;
          if (nearKill(tick)) lostAtKill += 1;
          else unaccounted.push(`${job}@${tick}:${record?.status}`);
        }
      }
    }
    expect(unaccounted).toEqual([]);

    // 3. Every ledger line has its record, except the SIGKILLed worker's last moments (its
    //    in-memory batch died with it; the master's reaper marks such runs lost).
    const unrecorded = ledger.filter(
      (l) => !byRunId.has(`${l.job}@${l.tick}`) && !nearKill(l.tick),
    );
    expect(unrecorded).toEqual([]);
    const notSucceeded = ledger
      .map((l) => byRunId.get(`${l.job}@${l.tick}`))
      .filter((r) => r && r.status !== 'succeeded' && !nearKill(r.tick.getTime()));
    expect(notSucceeded).toEqual([]);

    // 4. Misfire policies: runAll leaves no gap; runOnce catches up once per gap; skip never does.
    //    (A 5 s TTL makes the gaps longer than the 1.5 s threshold by several ticks.)
    const missed = (policy: string) =>
      runs.filter((r) => r.status === 'missed' && policyOf(r.job) === policy);
    const catchups = (policy: string) =>
      runs.filter((r) => r.trigger === 'catchup' && policyOf(r.job) === policy);
    expect(missed('runAll')).toEqual([]);
    expect(catchups('runAll').length).toBeGreaterThan(0);
    expect(catchups('skip')).toEqual([]);
    expect(missed('skip').length).toBeGreaterThan(0);
    expect(catchups('runOnce').length).toBeGreaterThan(0);
    expect(missed('runOnce').length).toBeGreaterThan(0);

    // 5. Failover within the TTL. Measured from the fault to the first run started elsewhere, so
    //    it includes the watch event, reading the mark, the claim and spawning the shell, on a
    //    loaded 2-core machine: allow 1.5 s over the TTL for that.
    const killedJobs = jobsOf(runs, 'w1', killedAt);
    const stoppedJobs = jobsOf(runs, 'w2', stoppedAt);
    const killTakeover = takeover(runs, killedJobs, 'w1', killedAt);
    const stopTakeover = takeover(runs, stoppedJobs, 'w2', stoppedAt);
    const restartJobs = jobsOf(runs, 'w3', restartAt);
    const restartTakeover = takeover(runs, restartJobs, 'w3', restartAt);
    expect(killedJobs.size).toBeGreaterThan(0);
    expect(stoppedJobs.size).toBeGreaterThan(0);
    expect(killTakeover).toBeLessThan(TTL_SECONDS * 1000 + 1500);
    expect(stopTakeover).toBeLessThan(TTL_SECONDS * 1000 + 1500);
    // A graceful stop drains and flushes, then deregisters: jobs move at once, and the next tick
    // (at most 1 s away) fires elsewhere; no lease has to expire.
    expect(restartTakeover).toBeLessThan(3000);

    // 6. The resumed worker noticed its lease was gone instead of firing on a dead session.
    const w2logs = workers.get('w2')!.logs();
    expect(w2logs.some((l) => l.msg === 'session lease lost; registering again')).toBe(true);

    process.stdout.write(
      `failover: ${ledger.length} runs, 0 duplicates; takeover after SIGKILL ${killTakeover} ms ` +
        `(${killedJobs.size} jobs), after SIGSTOP ${stopTakeover} ms (${stoppedJobs.size} jobs), ` +
        `after graceful restart ${restartTakeover} ms (${restartJobs.size} jobs), TTL ${TTL_SECONDS} s; ` +
        `gaps by policy ${JSON.stringify(gapsByPolicy)}; missed records skip=${missed('skip').length} ` +
        `runOnce=${missed('runOnce').length} runAll=0; catch-up runs runOnce=${catchups('runOnce').length} ` +
        `runAll=${catchups('runAll').length}; ticks lost at the SIGKILL instant: ${lostAtKill}\n`,
    );
  }, 150_000);
});
