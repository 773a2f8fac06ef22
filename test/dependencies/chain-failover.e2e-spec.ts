/**
 * Acceptance of dependencies under faults, judged by a ledger the commands write themselves:
 * a chain A → B → C, A every second, B after A and C after B (no schedules of their own), on 3
 * workers for 60 s. At 20 s A's worker is SIGKILLed (and restarted at 36 s with the same id, so
 * its journal is replayed), at 28 s B's (or C's) worker among the others is SIGSTOPped past its lease TTL and resumed. Every
 * A run recorded succeeded must have exactly one B run, every B run recorded succeeded exactly
 * one C run, and no child runs twice for one parent run or for a parent run that never ran.
 */
import { readFileSync, existsSync } from 'node:fs';
import { AppProcess } from '../support/app-process';
import { isolationId, testStack } from '../support/env';
import { RunDoc, sleep, WorkerHarness } from '../worker/worker-harness';

const TTL_SECONDS = 5;

interface Line {
  job: string;
  runId: string;
  parentRunId: string;
}

interface DepRunDoc extends RunDoc {
  parentRunId?: string;
}

describe('dependencies: a chain of three jobs through SIGKILL and SIGSTOP', () => {
  const stack = testStack();
  const harness = new WorkerHarness(isolationId('depchain'), stack.mongoUrl, stack.etcdEndpoints);
  const env = { SESSION_TTL_SECONDS: String(TTL_SECONDS), MISFIRE_THRESHOLD_MS: '1500' };
  const workers = new Map<string, AppProcess>();

  afterAll(async () => {
    for (const worker of workers.values()) {
      worker.child.kill('SIGCONT');
      await worker.stop('SIGKILL');
    }
    await harness.close();
  });

  const ledger = (): Line[] =>
    existsSync(harness.ledger)
      ? readFileSync(harness.ledger, 'utf8')
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => {
            const [job, runId, parentRunId = ''] = line.trim().split(/\s+/);
            return { job, runId, parentRunId };
          })
      : [];

  it('runs every child exactly once per matching parent run', async () => {
    for (const id of ['w1', 'w2', 'w3']) workers.set(id, await harness.startWorker(id, env));
    const command = `echo "$CRON_JOB $CRON_RUN_ID $CRON_PARENT_RUN_ID" >> ${harness.ledger}`;
    await harness.putJob(
      harness.job('dep-c', { command, cronExpr: '', after: [{ job: 'dep-b', on: 'succeeded' }] }),
    );
    await harness.putJob(
      harness.job('dep-b', { command, cronExpr: '', after: [{ job: 'dep-a', on: 'succeeded' }] }),
    );
    await harness.putJob(harness.job('dep-a', { command, concurrencyPolicy: 'allow' }));
    const t0 = Date.now();
    const at = (s: number) => sleep(Math.max(0, t0 + s * 1000 - Date.now()));

    // The faults hit the workers that run the chain: A's at 20 s, then B's (or C's) among the others.
    const lastWorkerOf = async (job: string, not: string[] = []): Promise<string> => {
      const recent = (await harness.runs({ job }))
        .filter((run) => run.workerId !== undefined && !not.includes(run.workerId))
        .sort((x, y) => (y.startedAt?.getTime() ?? 0) - (x.startedAt?.getTime() ?? 0));
      return recent[0]?.workerId ?? ['w1', 'w2', 'w3'].find((id) => !not.includes(id))!;
    };
    await at(20);
    const killed = await lastWorkerOf('dep-a');
    workers.get(killed)!.child.kill('SIGKILL');
    await at(28);
    let stopped = await lastWorkerOf('dep-b', [killed]);
    if (stopped === (await lastWorkerOf('dep-a', [killed])))
      stopped = await lastWorkerOf('dep-c', [killed]);
    workers.get(stopped)!.child.kill('SIGSTOP');
    await at(28 + TTL_SECONDS + 3);
    workers.get(stopped)!.child.kill('SIGCONT');
    await at(36);
    await workers.get(killed)!.stop('SIGKILL');
    workers.set(killed, await harness.startWorker(killed, env));

    await at(60);
    // Only A is paused: a paused child is not triggered.
    await harness.putJob(
      harness.job('dep-a', { command, concurrencyPolicy: 'allow', enabled: false }),
    );
    await sleep(6000);
    for (const id of ['w1', 'w2', 'w3'])
      expect((await workers.get(id)!.stop('SIGTERM')).code).toBe(0);

    const lines = ledger();
    const runs = (await harness.runs()) as DepRunDoc[];
    const of = (job: string) => runs.filter((run) => run.job === job);
    const linesOf = (job: string) => lines.filter((line) => line.job === job);
    const aRuns = new Set(linesOf('dep-a').map((line) => line.runId));
    const bRuns = new Set(linesOf('dep-b').map((line) => line.runId));

    const report = {
      aSucceeded: of('dep-a').filter((r) => r.status === 'succeeded').length,
      bRecords: of('dep-b').length,
      cRecords: of('dep-c').length,
      ledgerA: linesOf('dep-a').length,
      ledgerB: linesOf('dep-b').length,
      ledgerC: linesOf('dep-c').length,
      killed,
      stopped,
      workersOf: Object.fromEntries(
        ['dep-a', 'dep-b', 'dep-c'].map((job) => [
          job,
          [...new Set(of(job).map((r) => r.workerId))].sort(),
        ]),
      ),
      notSucceeded: runs
        .filter((r) => r.status !== 'succeeded')
        .map((r) => `${r.runId}:${r.status}`),
    };
    process.stdout.write(`dependency chain: ${JSON.stringify(report)}\n`);

    for (const [parent, child] of [
      ['dep-a', 'dep-b'],
      ['dep-b', 'dep-c'],
    ] as const) {
      // Every parent run recorded succeeded has exactly one child run record, triggered by it.
      const childRecords = of(child);
      const missing: string[] = [];
      const doubled: string[] = [];
      for (const run of of(parent).filter((r) => r.status === 'succeeded')) {
        const children = childRecords.filter((c) => c.parentRunId === run.runId);
        if (children.length === 0) missing.push(run.runId);
        if (children.length > 1) doubled.push(run.runId);
      }
      expect({ parent, missing, doubled }).toEqual({ parent, missing: [], doubled: [] });
      expect(childRecords.every((c) => c.trigger === 'dependency')).toBe(true);
      // No child ran twice for one parent run, and none for a parent run that never ran.
      const childLines = linesOf(child);
      const parents = childLines.map((line) => line.parentRunId);
      expect(parents.filter((id, i) => parents.indexOf(id) !== i)).toEqual([]);
      const ran = parent === 'dep-a' ? aRuns : bRuns;
      expect(childLines.filter((line) => !ran.has(line.parentRunId))).toEqual([]);
    }
    // The SIGKILL moved A to another worker.
    expect(report.workersOf['dep-a'].length).toBeGreaterThan(1);
    expect(report.aSucceeded).toBeGreaterThan(40);
    expect(report.ledgerC).toBeGreaterThan(35);
  }, 150_000);
});
