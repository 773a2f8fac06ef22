import { WakeTimer } from './wake-timer';

describe('WakeTimer', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('runs one pass for many wakes, at the soonest', () => {
    const pass = jest.fn();
    const timer = new WakeTimer(pass, 5);
    timer.by(Date.now() + 500);
    timer.by(Date.now() + 100);
    timer.by(Date.now() + 300);
    jest.advanceTimersByTime(99);
    expect(pass).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(pass).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(1000);
    expect(pass).toHaveBeenCalledTimes(1);
  });

  it('waits at least the minimum delay for a time already past', () => {
    const pass = jest.fn();
    new WakeTimer(pass, 5).by(Date.now() - 1000);
    jest.advanceTimersByTime(4);
    expect(pass).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(pass).toHaveBeenCalledTimes(1);
  });

  it('forgets a cancelled pass and takes no wake once stopped', () => {
    const pass = jest.fn();
    const timer = new WakeTimer(pass, 5);
    timer.by(Date.now() + 100);
    timer.cancel();
    jest.advanceTimersByTime(200);
    expect(pass).not.toHaveBeenCalled();
    timer.by(Date.now() + 100);
    timer.stop();
    timer.by(Date.now() + 10);
    jest.advanceTimersByTime(200);
    expect(pass).not.toHaveBeenCalled();
  });
});
