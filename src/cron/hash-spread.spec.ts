import { parseSchedule, upcoming } from './schedule';
import { spreadHashFields, stableHash } from './hash-spread';
import { CronSyntaxError } from './schedule-error';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

describe('H (hash) fields', () => {
  it('gives each job its own stable value, the same on every call', () => {
    const a = spreadHashFields(['H', '*', '*', '*', '*', '*'], 'job-a');
    expect(spreadHashFields(['H', '*', '*', '*', '*', '*'], 'job-a')).toEqual(a);
    expect(Number(a.fields[0])).toBeGreaterThanOrEqual(0);
    expect(Number(a.fields[0])).toBeLessThanOrEqual(59);
    expect(stableHash('job-a')).toBe(stableHash('job-a'));
    expect(stableHash('job-a')).not.toBe(stableHash('job-b'));
  });

  it('expands H/n and H(a-b)/n to a chosen start and the step', () => {
    const { fields } = spreadHashFields(['H/5', 'H(10-19)/5', '*', '*', '*', '*'], 'x');
    expect(fields[0]).toMatch(/^[0-4]-59\/5$/);
    expect(fields[1]).toMatch(/^1[0-4]-19\/5$/);
  });

  it('keeps day of month within 1-28 and reads 5 fields as minutes first', () => {
    for (let i = 0; i < 200; i++) {
      const { fields, offsetMs } = spreadHashFields(['H', 'H', 'H', '*', '*'], `job-${i}`);
      expect(Number(fields[0])).toBeLessThanOrEqual(59);
      expect(Number(fields[1])).toBeLessThanOrEqual(23);
      expect(Number(fields[2])).toBeGreaterThanOrEqual(1);
      expect(Number(fields[2])).toBeLessThanOrEqual(28);
      expect(offsetMs).toBe(0);
    }
  });

  it('spreads 2000 jobs of "H/5 * * * * *" evenly over the 5 seconds and within each second', () => {
    const perSecond = [0, 0, 0, 0, 0];
    const perTenth = new Array<number>(10).fill(0);
    for (let i = 0; i < 2000; i++) {
      const schedule = parseSchedule('H/5 * * * * *', { now: NOW, hashKey: `spread-${i}` });
      const tick = schedule.next(NOW) as number;
      expect(tick).toBeGreaterThan(NOW);
      expect(tick - NOW).toBeLessThanOrEqual(5000);
      perSecond[Math.floor((tick - NOW - 1) / 1000) % 5] += 1;
      perTenth[Math.floor((tick % 1000) / 100)] += 1;
      // Every 5 s from there, to the millisecond.
      expect(upcoming(schedule, NOW, 3).map((t) => t - tick)).toEqual([0, 5000, 10000]);
    }
    for (const n of perSecond) expect(n).toBeGreaterThan(300);
    for (const n of perTenth) expect(n).toBeGreaterThan(140);
  });

  it('rejects malformed H fields with the field named', () => {
    expect(() => parseSchedule('H(50-70) * * * * *', { now: NOW })).toThrow(
      new CronSyntaxError('seconds: H range must lie within 0-59'),
    );
    expect(() => parseSchedule('Hx * * * *', { now: NOW })).toThrow(
      /minutes: "Hx" is not H, H\(a-b\), H\/n or H\(a-b\)\/n/,
    );
    expect(() => parseSchedule('H/0 * * * * *', { now: NOW })).toThrow(/H step must be 1 to 60/);
  });
});
