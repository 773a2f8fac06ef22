import { jobAction, jobType, JobItem } from './types';

describe('job type and action in the CLI', () => {
  const base: JobItem = {
    name: 'a',
    command: 'echo hi',
    cronExpr: '@daily',
    timezone: 'UTC',
    enabled: true,
  };
  it('a shell job shows its command, an HTTP job its method and URL', () => {
    expect([jobType(base), jobAction(base)]).toEqual(['shell', 'echo hi']);
    const http = {
      ...base,
      command: '',
      executor: { type: 'http', method: 'POST', url: 'https://x/y' },
    };
    expect([jobType(http), jobAction(http)]).toEqual(['http', 'POST https://x/y']);
  });
});
