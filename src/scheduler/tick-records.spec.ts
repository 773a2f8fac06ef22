import { handedBackAs, missedCount, missedRecords, notRunRecord } from './tick-records';
import { MisfirePolicy } from '../jobs/job.model';
import { RunTrigger } from '../logs/run.model';

const spec = { name: 'j', command: 'true', misfirePolicy: 'skip' as const };

describe('tick records', () => {
  it('one missed record per listed tick, and one summary at the first unlisted tick', () => {
    const missed = {
      ticks: [3000, 4000],
      more: {
        count: 2,
        atLeast: false,
        first: 1000,
        last: 2000,
        reason: 'before the catch-up window',
      },
    };
    const records = missedRecords(spec, missed, (tick) => `j@${tick}`, 'w1', 9000);
    expect(records.map((r) => [r.runId, r.status])).toEqual([
      ['j@1000', 'missed'],
      ['j@3000', 'missed'],
      ['j@4000', 'missed'],
    ]);
    expect(records[0].error).toBe(
      '2 ticks missed from 1970-01-01T00:00:01.000Z to 1970-01-01T00:00:02.000Z (before the catch-up window)',
    );
    expect(records[1].error).toContain('misfire policy skip');
    expect(records.every((r) => r.workerId === 'w1' && r.endedAt === 9000)).toBe(true);
    expect(missedCount(missed)).toBe(4);
  });

  it('a not-run record carries the reason and no start', () => {
    const record = notRunRecord(
      spec,
      { runId: 'j@1', job: 'j', tick: 1, trigger: 'schedule', workerId: 'w' },
      'skipped',
      'previous run still running',
      5,
    );
    expect(record).toEqual({
      runId: 'j@1',
      job: 'j',
      tick: 1,
      trigger: 'schedule',
      workerId: 'w',
      attempt: 1,
      status: 'skipped',
      command: 'true',
      error: 'previous run still running',
      endedAt: 5,
    });
  });
});

describe('handedBackAs: a claim that never started follows the misfire policy', () => {
  const run = (misfirePolicy: MisfirePolicy, trigger: RunTrigger = 'schedule') => ({
    tick: 10_000,
    trigger,
    job: { misfirePolicy, catchupWindowSeconds: 60 },
  });
  const threshold = 5000;

  it('a tick still on time runs, whatever the policy', () => {
    for (const policy of ['skip', 'runOnce', 'runAll'] as const)
      expect(handedBackAs(run(policy), 15_000, threshold)).toBe('run');
  });

  it('a misfired tick runs under runAll within the catch-up window, else it is missed', () => {
    expect(handedBackAs(run('runAll'), 20_000, threshold)).toBe('run');
    expect(handedBackAs(run('runAll', 'catchup'), 20_000, threshold)).toBe('run');
    expect(handedBackAs(run('runAll'), 10_000 + 61_000, threshold)).toBe('missed');
    expect(handedBackAs(run('skip'), 20_000, threshold)).toBe('missed');
    // runOnce: the job's new owner already made the one catch-up run of this gap.
    expect(handedBackAs(run('runOnce'), 20_000, threshold)).toBe('missed');
  });

  it('manual runs and retries always run', () => {
    expect(handedBackAs(run('skip', 'manual'), 1e9, threshold)).toBe('run');
    expect(handedBackAs(run('skip', 'retry'), 1e9, threshold)).toBe('run');
  });
});
