import { execFileSync } from 'node:child_process';
import { AppConfig } from '../config/app-config';
import { ExecutionRequest } from './executor';
import { ShellExecutor } from './shell.executor';

const executor = new ShellExecutor(Object.assign(new AppConfig(), { WORKER_SHELL: '/bin/sh' }));
const request = (over: Partial<ExecutionRequest>): ExecutionRequest => ({
  runId: 'r',
  command: 'true',
  env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  timeoutMs: 0,
  killGraceMs: 1000,
  outputCapBytes: 1024,
  ...over,
});

/** Processes whose command line carries `marker` (the test's own sleeps). */
function processesWith(marker: string): string[] {
  const out = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.startsWith(marker));
}

describe('ShellExecutor', () => {
  it('runs the command with the given environment and captures stdout and stderr', async () => {
    const result = await executor.start(
      request({ command: 'echo "out $CRON_JOB"; echo err >&2; exit 0', env: { CRON_JOB: 'j' } }),
    ).done;
    expect(result).toMatchObject({ status: 'succeeded', exitCode: 0, truncated: false });
    expect(result.output).toBe('out j\nerr\n');
  });

  it('reports a non-zero exit as failed', async () => {
    const result = await executor.start(request({ command: 'exit 3' })).done;
    expect(result).toMatchObject({ status: 'failed', exitCode: 3, error: 'exit code 3' });
  });

  it('caps output keeping head and tail', async () => {
    const result = await executor.start(
      request({ command: 'echo START; seq 1 100000; echo END', outputCapBytes: 2048 }),
    ).done;
    expect(result.truncated).toBe(true);
    expect(result.output.startsWith('START\n1\n')).toBe(true);
    expect(result.output.endsWith('100000\nEND\n')).toBe(true);
  });

  it('times out: SIGTERM then SIGKILL to the whole group, no process left', async () => {
    const marker = `${Date.now() % 100000}1`;
    const started = Date.now();
    const result = await executor.start(
      request({
        command: `trap '' TERM; sleep 1${marker} & sleep 1${marker}; wait`,
        timeoutMs: 300,
        killGraceMs: 300,
      }),
    ).done;
    expect(result.status).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5000);
    await new Promise((r) => setTimeout(r, 200));
    expect(processesWith(`sleep 1${marker}`)).toEqual([]);
  });

  it('stop() kills the command and its children and reports killed', async () => {
    const marker = `${Date.now() % 100000}2`;
    const execution = executor.start(
      request({ command: `sleep 1${marker} & sleep 1${marker}; wait` }),
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(processesWith(`sleep 1${marker}`)).toHaveLength(2);
    execution.stop('killed', 'kill request');
    const result = await execution.done;
    expect(result).toMatchObject({ status: 'killed', error: 'kill request' });
    await new Promise((r) => setTimeout(r, 200));
    expect(processesWith(`sleep 1${marker}`)).toEqual([]);
  });

  it('streams output live', async () => {
    const chunks: string[] = [];
    await executor.start(
      request({ command: 'echo a; sleep 0.1; echo b', onOutput: (c) => chunks.push(c.toString()) }),
    ).done;
    expect(chunks.join('')).toBe('a\nb\n');
  });
});
