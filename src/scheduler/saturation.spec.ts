import { SaturationSignal } from './saturation';

describe('SaturationSignal', () => {
  it('turns on only after ticks have waited without a break', () => {
    const signal = new SaturationSignal(500, 3000);
    expect(signal.sample(true, 0)).toBeUndefined();
    expect(signal.sample(true, 499)).toBeUndefined();
    expect(signal.sample(true, 500)).toBe(true);
    expect(signal.saturated).toBe(true);
    expect(signal.sample(true, 600)).toBeUndefined();
  });

  it('a break in the waiting starts the count again', () => {
    const signal = new SaturationSignal(500, 3000);
    signal.sample(true, 0);
    signal.sample(false, 400);
    expect(signal.sample(true, 450)).toBeUndefined();
    expect(signal.sample(true, 900)).toBeUndefined();
    expect(signal.sample(true, 950)).toBe(true);
  });

  it('turns off only after nothing waited for the longer delay', () => {
    const signal = new SaturationSignal(500, 3000);
    signal.sample(true, 0);
    signal.sample(true, 500);
    expect(signal.sample(false, 1000)).toBeUndefined();
    expect(signal.sample(true, 2000)).toBeUndefined();
    expect(signal.sample(false, 2500)).toBeUndefined();
    expect(signal.sample(false, 5499)).toBeUndefined();
    expect(signal.sample(false, 5500)).toBe(false);
    expect(signal.saturated).toBe(false);
  });

  it('reset forgets the state', () => {
    const signal = new SaturationSignal(0, 0);
    expect(signal.sample(true, 0)).toBe(true);
    signal.reset();
    expect(signal.saturated).toBe(false);
  });
});
