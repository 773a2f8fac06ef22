import { SlotKind } from './run-slots';
import { SlotWaiters } from './slot-waiters';

describe('SlotWaiters', () => {
  const slots = (free: Record<SlotKind, number>) => (kind: SlotKind) => free[kind];

  it('gives free slots to on-time ticks first, oldest first, then to late ones', () => {
    const free = { onTime: 3, late: 2 };
    const waiters = new SlotWaiters(slots(free));
    waiters.park('late-old', 'late', 100);
    waiters.park('on-b', 'onTime', 2000);
    waiters.park('on-a', 'onTime', 1000);
    waiters.park('late-new', 'late', 900);
    expect(waiters.size).toBe(4);
    expect(waiters.admit()).toEqual(['on-a', 'on-b', 'late-old']);
    expect(waiters.names()).toEqual(['late-new']);
  });

  it('late ticks never take more than their share', () => {
    const waiters = new SlotWaiters(slots({ onTime: 4, late: 0 }));
    waiters.park('late', 'late', 1);
    expect(waiters.admit()).toEqual([]);
    expect(waiters.size).toBe(1);
  });

  it('a job waits once, under its latest kind; a forgotten job is never admitted', () => {
    const waiters = new SlotWaiters(slots({ onTime: 9, late: 9 }));
    waiters.park('a', 'onTime', 5);
    waiters.park('a', 'late', 4);
    waiters.park('b', 'onTime', 1);
    waiters.forget('b');
    expect(waiters.size).toBe(1);
    expect(waiters.admit()).toEqual(['a']);
  });
});
