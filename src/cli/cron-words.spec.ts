import { describeCron } from './cron-words';

describe('describeCron', () => {
  it.each([
    ['0 2 * * *', 'At 02:00, every day'],
    ['*/5 * * * *', 'Every 5 minutes'],
    ['* * * * *', 'Every minute'],
    ['0 9-17 * * mon-fri', 'At minute 0 past hour 9 through 17, on Monday through Friday'],
    ['30 0 1,15 * *', 'At 00:30, on day 1 and 15 of the month'],
    ['*/10 * * * * *', 'Every 10 seconds'],
    ['0 0 12 * jan,jul *', 'At 12:00, in January and July'],
    ['15 3 * * 0', 'At 03:15, on Sunday'],
    ['15 3 1 * 7', 'At 03:15, on day 1 of the month or on Sunday'],
    ['H/15 * * * *', 'Every 15 minutes (hashed offset)'],
    ['H 3 * * *', 'A hashed minute past hour 3'],
    ['@daily', 'At 00:00 every day'],
    ['@every 1h30m', 'Every 1h30m'],
  ])('%s', (expr, words) => {
    expect(describeCron(expr)).toBe(words);
  });

  it('leaves what it cannot read as it is', () => {
    expect(describeCron('1 2 3')).toBe('1 2 3');
  });
});
