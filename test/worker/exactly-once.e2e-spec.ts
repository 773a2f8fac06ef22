import { writeFileSync } from 'node:fs';
import { AppProcess } from '../support/app-process';
import { isolationId, testStack } from '../support/env';
import { duplicates, percentile, sleep, WorkerHarness } from './worker-harness';

const SECONDS = Number(process.env.EXACTLY_ONCE_SECONDS ?? 60);
const JOBS = 30;

/**
 * Acceptance: 3 worker processes, 30 jobs firing every second for 60 s. Each job's command
 * appends "job tick" to a shared ledger: every (job, tick) must appear exactly once, with no gap
 * between a job's first and last tick, and every ledger line must have its run record.
 */
describe('exactly once: 3 workers, 30 jobs every second', () => {
  const stack = testStack();
  const harness = new WorkerHarness(isolationId('once'), stack.mongoUrl, stack.etcdEndpoints);
  let workers: AppProcess[] = [];

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    if (process.env.WORKER_LOGS) {
      writeFileSync(process.env.WORKER_LOGS, workers.map((w) => w.output()).join('\n'));
    }
    await harness.close();
  });

  it(
    `runs every (job, tick) exactly once for ${SECONDS} s and records every run`,
    async () => {
      workers = await Promise.all(
        ['w1', 'w2', 'w3'].map((id) => harness.startWorker(id, { SESSION_TTL_SECONDS: '3' })),
      );
      for (let i = 0; i < JOBS; i++)
        await harness.putJob(
          harness.job(`job-${i}`, { misfirePolicy: 'runAll', concurrencyPolicy: 'allow' }),
        );
      const started = Date.now();
      await sleep(SECONDS * 1000);
      // Pause rather than delete: deleting a job kills its runs, and the last tick's may be going.
      await harness.pauseJobs();
      const stopped = Date.now();
      await sleep(1500);
      // Graceful stop: running work finishes and every record is flushed before exit.
      const exits = await Promise.all(workers.map((w) => w.stop('SIGTERM')));
      expect(exits.every((e) => e.code === 0)).toBe(true);

      const ledger = harness.readLedger();
      const runs = await harness.runs();
      expect(duplicates(ledger)).toEqual([]);
      const byJob = new Map<string, number[]>();
      for (const line of ledger) byJob.set(line.job, [...(byJob.get(line.job) ?? []), line.tick]);
      expect(byJob.size).toBe(JOBS);
      for (const [job, ticks] of byJob) {
        ticks.sort((a, b) => a - b);
        // Contiguous: one tick per second from the first to the last, none missing.
        const expected = (ticks[ticks.length - 1] - ticks[0]) / 1000 + 1;
        const gaps = Array.from({ length: expected }, (_, k) => ticks[0] + k * 1000).filter(
          (t) => !ticks.includes(t),
        );
        const gapRecords = runs.filter((r) => r.job === job && gaps.includes(r.tick.getTime()));
        expect({ job, gaps, gapRecords }).toEqual({ job, gaps: [], gapRecords: [] });
        // Started within a couple of seconds of seeding, ran until the jobs were deleted.
        expect(ticks[0]).toBeLessThan(started + 3000);
        expect(ticks[ticks.length - 1]).toBeGreaterThan(stopped - 3000);
      }

      const byRunId = new Map(runs.map((r) => [r.runId, r]));
      const missingRecords = ledger
        .map((l) => ({
          ...l,
          records: runs.filter((r) => r.runId === `${l.job}@${l.tick}`).map((r) => r.status),
        }))
        .filter((l) => byRunId.get(`${l.job}@${l.tick}`)?.status !== 'succeeded');
      expect(missingRecords).toEqual([]);
      expect(runs.filter((r) => r.status !== 'succeeded')).toEqual([]);

      const lateness = runs.map((r) => r.latenessMs ?? 0);
      const perWorker = new Map<string, number>();
      for (const r of runs)
        perWorker.set(r.workerId ?? '?', (perWorker.get(r.workerId ?? '?') ?? 0) + 1);
      // Work spreads over all three workers.
      expect(perWorker.size).toBe(3);
      process.stdout.write(
        `exactly-once: ${ledger.length} runs of ${JOBS} jobs in ${SECONDS} s, 0 duplicates; ` +
          `per worker ${JSON.stringify(Object.fromEntries(perWorker))}; ` +
          `start lateness p50 ${percentile(lateness, 50)} ms, p99 ${percentile(lateness, 99)} ms, max ${Math.max(...lateness)} ms\n`,
      );
    },
    (SECONDS + 90) * 1000,
  );
});
