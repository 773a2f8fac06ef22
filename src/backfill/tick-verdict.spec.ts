import { TickFacts, decidedSeenAt, tickVerdict, withSighting } from './tick-verdict';

const base: TickFacts = {
  tick: 10_000,
  jobCreatedAt: 5_000,
  busy: false,
  now: 100_000,
  settleMs: 30_000,
  backfillId: 'bf1',
};

describe('tickVerdict', () => {
  it('a guard of this backfill is ours, of another one already handled', () => {
    expect(tickVerdict({ ...base, guard: 'bf1' })).toBe('ours');
    expect(tickVerdict({ ...base, guard: 'bf2', recorded: 'missed' })).toBe('alreadyRan');
  });

  it('a pending trigger, hand-back, audit or running key means the tick is handled', () => {
    expect(tickVerdict({ ...base, busy: true, recorded: 'missed' })).toBe('alreadyRan');
  });

  it('a record decides: missed and skipped are run, everything else ran', () => {
    expect(tickVerdict({ ...base, recorded: 'missed' })).toBe('trigger');
    expect(tickVerdict({ ...base, recorded: 'skipped' })).toBe('trigger');
    for (const status of ['running', 'succeeded', 'failed', 'timeout', 'killed', 'lost'] as const)
      expect(tickVerdict({ ...base, recorded: status })).toBe('alreadyRan');
  });

  it('the mark at the tick without skipped means it was claimed', () => {
    expect(tickVerdict({ ...base, mark: { lastTick: 10_000, skipped: false } })).toBe('alreadyRan');
  });

  it('ticks before the job existed are run at once', () => {
    expect(tickVerdict({ ...base, tick: 4_000 })).toBe('trigger');
  });

  it('waits for the mark to pass the tick', () => {
    expect(tickVerdict(base)).toBe('wait');
    expect(tickVerdict({ ...base, mark: { lastTick: 9_000, skipped: false } })).toBe('wait');
  });

  it('a decided tick without a record waits out the settle time from the first sighting', () => {
    const mark = { lastTick: 20_000, skipped: false };
    expect(tickVerdict({ ...base, mark })).toBe('wait');
    expect(tickVerdict({ ...base, mark, decidedSeenAt: 80_000 })).toBe('wait');
    expect(tickVerdict({ ...base, mark, decidedSeenAt: 70_000 })).toBe('trigger');
  });
});

describe('sightings', () => {
  it('are added when the mark moves and looked up by tick', () => {
    let s = withSighting([], undefined, 1, 0);
    expect(s).toEqual([]);
    s = withSighting(s, 100, 1, 0);
    s = withSighting(s, 100, 2, 0);
    s = withSighting(s, 200, 3, 0);
    expect(s).toEqual([
      { upTo: 100, at: 1 },
      { upTo: 200, at: 3 },
    ]);
    expect(decidedSeenAt(s, 50)).toBe(1);
    expect(decidedSeenAt(s, 150)).toBe(3);
    expect(decidedSeenAt(s, 250)).toBeUndefined();
  });

  it('drops sightings below the floor but keeps the last', () => {
    const s = [
      { upTo: 100, at: 1 },
      { upTo: 200, at: 3 },
    ];
    expect(withSighting(s, undefined, 5, 150)).toEqual([{ upTo: 200, at: 3 }]);
    expect(withSighting(s, undefined, 5, 300)).toEqual([{ upTo: 200, at: 3 }]);
  });
});
