import { parseSchedule } from '../cron/schedule';
import { planTicks, TickPlanInput } from './tick-plan';

const S = 1000;
const everySecond = parseSchedule('@every 1s');
const base = (over: Partial<TickPlanInput>): TickPlanInput => ({
  schedule: everySecond,
  cursor: 100 * S,
  now: 100 * S + 200,
  policy: 'runOnce',
  thresholdMs: 2 * S,
  catchupWindowMs: 3600 * S,
  maxCatchup: 100,
  maxMissedRecords: 100,
  maxScan: 1000,
  ...over,
});

describe('planTicks', () => {
  it('fires nothing before the next tick', () => {
    expect(planTicks(base({}))).toEqual({ fire: [], missed: { ticks: [] }, partial: false });
  });

  it('fires a due tick on time and advances the mark to it', () => {
    const plan = planTicks(base({ now: 101 * S + 5 }));
    expect(plan.fire).toEqual([{ tick: 101 * S, trigger: 'schedule' }]);
    expect(plan.advanceTo).toBe(101 * S);
    expect(plan.missed.ticks).toEqual([]);
  });

  it('fires every tick within the threshold, late or not, as a normal tick', () => {
    const plan = planTicks(base({ now: 102 * S + 500 }));
    expect(plan.fire.map((f) => f.tick)).toEqual([101 * S, 102 * S]);
    expect(plan.fire.every((f) => f.trigger === 'schedule')).toBe(true);
  });

  it('plans a tick due within the lead, to be claimed ahead and started on time', () => {
    const now = 101 * S - 80;
    expect(planTicks(base({ now, leadMs: 100 })).fire).toEqual([
      { tick: 101 * S, trigger: 'schedule' },
    ]);
    expect(planTicks(base({ now, leadMs: 50 })).fire).toEqual([]);
    expect(planTicks(base({ now })).fire).toEqual([]);
  });

  describe('after a 10 s gap (threshold 2 s)', () => {
    const now = 110 * S + 100;
    it('skip: records the misfired ticks as missed, fires only the on-time ones', () => {
      const plan = planTicks(base({ now, policy: 'skip' }));
      expect(plan.fire.map((f) => f.tick)).toEqual([109 * S, 110 * S]);
      expect(plan.missed.ticks).toEqual([101, 102, 103, 104, 105, 106, 107, 108].map((t) => t * S));
      expect(plan.advanceTo).toBe(110 * S);
    });
    it('runOnce: fires the latest misfired tick as a catch-up', () => {
      const plan = planTicks(base({ now, policy: 'runOnce' }));
      expect(plan.fire).toEqual([
        { tick: 108 * S, trigger: 'catchup' },
        { tick: 109 * S, trigger: 'schedule' },
        { tick: 110 * S, trigger: 'schedule' },
      ]);
      expect(plan.missed.ticks).toHaveLength(7);
    });
    it('runAll: fires each misfired tick, oldest first', () => {
      const plan = planTicks(base({ now, policy: 'runAll' }));
      expect(plan.fire.map((f) => f.tick)).toEqual(
        [101, 102, 103, 104, 105, 106, 107, 108, 109, 110].map((t) => t * S),
      );
      expect(plan.fire.filter((f) => f.trigger === 'catchup')).toHaveLength(8);
      expect(plan.missed.ticks).toEqual([]);
    });
    it('runAll is capped to the latest maxCatchup ticks', () => {
      const plan = planTicks(base({ now, policy: 'runAll', maxCatchup: 3 }));
      expect(plan.fire.filter((f) => f.trigger === 'catchup').map((f) => f.tick)).toEqual([
        106 * S,
        107 * S,
        108 * S,
      ]);
      expect(plan.missed.ticks).toHaveLength(5);
    });
  });

  it('never runs ticks older than the catch-up window; counts them as missed', () => {
    const plan = planTicks(base({ now: 200 * S, policy: 'runAll', catchupWindowMs: 10 * S }));
    expect(plan.missed.more).toMatchObject({
      count: 90,
      first: 101 * S,
      last: 190 * S,
      atLeast: false,
    });
    expect(plan.fire[0]).toEqual({ tick: 191 * S, trigger: 'catchup' });
    expect(plan.fire.at(-1)).toEqual({ tick: 200 * S, trigger: 'schedule' });
  });

  it('lists at most maxMissedRecords missed ticks and summarises the rest', () => {
    const plan = planTicks(base({ now: 150 * S, policy: 'skip', maxMissedRecords: 5 }));
    expect(plan.missed.ticks).toEqual([143, 144, 145, 146, 147].map((t) => t * S));
    expect(plan.missed.more).toMatchObject({ count: 42, first: 101 * S, last: 142 * S });
  });

  it('scans in bounded steps and says so', () => {
    const plan = planTicks(base({ now: 5000 * S, maxScan: 100, catchupWindowMs: 10_000 * S }));
    expect(plan.partial).toBe(true);
    expect(plan.fire).toEqual([]);
    expect(plan.advanceTo).toBe(200 * S);
    const next = planTicks(base({ cursor: plan.advanceTo, now: 5000 * S, maxScan: 100_000 }));
    expect(next.fire).toContainEqual({ tick: 5000 * S, trigger: 'schedule' });
  });

  it('a clock jumping backwards fires nothing until it passes the mark again', () => {
    expect(planTicks(base({ now: 50 * S })).fire).toEqual([]);
  });
});
