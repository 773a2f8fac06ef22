import { labelsMatch, ownerAndHelper, ownerOf, roleOf } from './ownership';

const workers = (ids: string[], labels: Record<string, string> = {}) =>
  ids.map((id) => ({ id, labels }));

describe('labelsMatch', () => {
  it('needs every required label with the same value', () => {
    expect(labelsMatch({}, {})).toBe(true);
    expect(labelsMatch({ zone: 'a' }, { zone: 'a', gpu: 'yes' })).toBe(true);
    expect(labelsMatch({ zone: 'a' }, { zone: 'b' })).toBe(false);
    expect(labelsMatch({ zone: 'a' }, {})).toBe(false);
  });
});

describe('ownerOf (rendezvous hashing)', () => {
  const jobs = Array.from({ length: 600 }, (_, i) => `job-${i}`);

  it('is independent of the order in which workers are listed', () => {
    const a = workers(['w1', 'w2', 'w3']);
    const b = [...a].reverse();
    for (const job of jobs)
      expect(ownerOf(job, { labels: {} }, a)).toBe(ownerOf(job, { labels: {} }, b));
  });

  it('spreads jobs over workers', () => {
    const counts = new Map<string, number>();
    for (const job of jobs) {
      const owner = ownerOf(job, { labels: {} }, workers(['w1', 'w2', 'w3']))!;
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    for (const id of ['w1', 'w2', 'w3']) expect(counts.get(id)).toBeGreaterThan(150);
  });

  it('moves only the departed worker’s jobs when a worker leaves', () => {
    const before = workers(['w1', 'w2', 'w3']);
    const after = workers(['w1', 'w3']);
    for (const job of jobs) {
      const was = ownerOf(job, { labels: {} }, before);
      const now = ownerOf(job, { labels: {} }, after);
      if (was !== 'w2') expect(now).toBe(was);
      else expect(['w1', 'w3']).toContain(now);
    }
  });

  it('considers only workers whose labels match, and none when nobody matches', () => {
    const pool = [...workers(['a1', 'a2'], { zone: 'a' }), ...workers(['b1'], { zone: 'b' })];
    for (const job of jobs.slice(0, 50)) {
      expect(ownerOf(job, { labels: { zone: 'b' } }, pool)).toBe('b1');
      expect(['a1', 'a2']).toContain(ownerOf(job, { labels: { zone: 'a' } }, pool));
    }
    expect(ownerOf('x', { labels: { zone: 'c' } }, pool)).toBeUndefined();
  });
});

describe('roleOf', () => {
  const pool = workers(['w1', 'w2']);
  it('mode all: every matching worker owns, nobody helps', () => {
    const target = { labels: {}, mode: 'all' as const };
    const saturated = pool.map((w) => ({ ...w, saturated: true }));
    expect(saturated.every((w) => roleOf(w, 'j', target, saturated) === 'owner')).toBe(true);
    expect(
      roleOf({ id: 'w3', labels: {} }, 'j', { labels: { x: 'y' }, mode: 'all' }, pool),
    ).toBeUndefined();
  });
  it('mode one: exactly one owner, and no helper while it is not saturated', () => {
    const target = { labels: {}, mode: 'one' as const };
    for (const job of ['a', 'b', 'c', 'd']) {
      expect(pool.filter((w) => roleOf(w, job, target, pool) === 'owner')).toHaveLength(1);
      expect(pool.filter((w) => roleOf(w, job, target, pool) === 'helper')).toHaveLength(0);
    }
  });
});

describe('ownerAndHelper', () => {
  const jobs = Array.from({ length: 300 }, (_, i) => `job-${i}`);
  const any = { labels: {} };

  it('a saturated owner keeps its jobs and gets one helper among the others', () => {
    const pool = workers(['w1', 'w2', 'w3']);
    for (const job of jobs) {
      const { owner } = ownerAndHelper(job, any, pool);
      const marked = pool.map((w) => ({ ...w, saturated: w.id === owner }));
      const both = ownerAndHelper(job, any, marked);
      expect(both.owner).toBe(owner);
      expect(both.helper).toBeDefined();
      expect(both.helper).not.toBe(owner);
      // The helper is whoever would own the job without the saturated owner: stable and spread.
      expect(both.helper).toBe(
        ownerOf(
          job,
          any,
          pool.filter((w) => w.id !== owner),
        ),
      );
    }
  });

  it('no helper when every matching worker is saturated, or none matches', () => {
    const pool = workers(['w1', 'w2']).map((w) => ({ ...w, saturated: true }));
    expect(ownerAndHelper('j', any, pool).helper).toBeUndefined();
    expect(ownerAndHelper('j', { labels: { zone: 'x' } }, pool)).toEqual({});
  });

  it('the helper must carry the labels the job asks for', () => {
    const pool = [
      { id: 'a', labels: { zone: 'x' }, saturated: true },
      { id: 'b', labels: { zone: 'y' } },
    ];
    expect(ownerAndHelper('j', { labels: { zone: 'x' } }, pool)).toEqual({ owner: 'a' });
  });
});
