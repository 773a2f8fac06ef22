import { RunSlots } from './run-slots';

describe('RunSlots', () => {
  it('leaves on-time work every slot and late work three quarters of them', () => {
    const slots = new RunSlots(8);
    expect([slots.free('onTime'), slots.free('late')]).toEqual([8, 6]);
    for (let i = 0; i < 6; i++) slots.take('a');
    expect([slots.free('onTime'), slots.free('late')]).toEqual([2, 0]);
  });

  it('gives late work one slot however small the limit', () => {
    expect(new RunSlots(1).free('late')).toBe(1);
  });

  it('holds a slot for a claim in flight, given back once however often released', () => {
    const slots = new RunSlots(2);
    const freed = jest.fn();
    slots.onFreed(freed);
    const first = slots.tryReserve('onTime');
    const second = slots.tryReserve('onTime');
    expect(first && second).toBeDefined();
    expect(slots.tryReserve('onTime')).toBeUndefined();
    first!();
    first!();
    expect(slots.free('onTime')).toBe(1);
    expect(freed).toHaveBeenCalledTimes(1);
  });

  it('counts runs per job and tells when one ends', () => {
    const slots = new RunSlots(4);
    const freed = jest.fn();
    slots.onFreed(freed);
    slots.take('a');
    slots.take('a');
    slots.take('b');
    expect([slots.active, slots.runningOf('a'), slots.runningOf('b')]).toEqual([3, 2, 1]);
    slots.give('a');
    slots.give('b');
    expect([slots.active, slots.runningOf('a'), slots.runningOf('b')]).toEqual([1, 1, 0]);
    expect(freed).toHaveBeenCalledTimes(2);
  });
});
