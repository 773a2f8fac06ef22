import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ExecutionRequest } from './executor';
import { SpawnedRun } from './spawned-run';
import { SPAWNER_BINARY } from './spawner-binary';
import { SpawnerClient } from './spawner-client';
import { encodeCommands, EventDecoder, SpawnerEvent } from './spawner-protocol';
import { SpawnerExecutor } from './spawner.executor';

// Set before any spawner is forked: neither the spawner nor a command may see it.
const SECRET = 'spawner-spec-secret-value';
process.env.CRONPLANE_SPEC_SECRET = SECRET;

const config = (shell = '/bin/sh'): AppConfig =>
  Object.assign(new AppConfig(), { WORKER_SHELL: shell });
const executor = new SpawnerExecutor(config());
afterAll(async () => {
  await executor.onApplicationShutdown();
  delete process.env.CRONPLANE_SPEC_SECRET;
});

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

/** A field of `ps` for one process, e.g. its parent (`ppid`) or process group (`pgid`). */
function psField(pid: number, field: 'ppid' | 'pgid'): number {
  return Number(execFileSync('ps', ['-o', `${field}=`, '-p', String(pid)], { encoding: 'utf8' }));
}

/** Polls `check` until it holds; fails after a generous bound instead of hanging. */
async function eventually(check: () => boolean, boundMs = 10_000): Promise<void> {
  const until = Date.now() + boundMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`condition not met within ${boundMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let markers = 0;
/** A sleep duration unique to this test run, so `ps` finds only this test's processes. */
const uniqueSleep = (): string => `sleep 1${Date.now() % 100000}${++markers}`;

describe('SpawnerExecutor', () => {
  it('a run stopped before its notBefore never starts, and ends killed', async () => {
    const marker = join(tmpdir(), `cancelled-${process.pid}-${Date.now()}`);
    const notBefore = Date.now() + 800;
    const execution = executor.start(request({ command: `touch ${marker}`, notBefore }));
    execution.stop('killed', 'job deleted');
    expect(await execution.done).toMatchObject({ status: 'killed', error: 'job deleted' });
    expect(await execution.started).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, notBefore + 500 - Date.now()));
    expect(existsSync(marker)).toBe(false);
  });

  it('holds starts while the gate is closed; reopened, they start; stopped meanwhile, never', async () => {
    const gated = new SpawnerExecutor(config());
    let open = false;
    gated.gateStarts(() => open);
    try {
      const marker = join(tmpdir(), `gated-${process.pid}-${Date.now()}`);
      const held = gated.start(request({ command: `touch ${marker}` }));
      const dropped = gated.start(request({ command: `touch ${marker}-dropped` }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      gated.reopen();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(existsSync(marker)).toBe(false);
      dropped.stop('killed', 'session lost');
      expect(await dropped.done).toMatchObject({ status: 'killed' });
      expect(await dropped.started).toBeUndefined();
      open = true;
      gated.reopen();
      expect((await held.done).status).toBe('succeeded');
      expect(existsSync(marker)).toBe(true);
      expect(existsSync(`${marker}-dropped`)).toBe(false);
    } finally {
      await gated.onApplicationShutdown();
    }
  });

  it('starts a run given notBefore at that instant, and its timeout counts from there', async () => {
    const notBefore = Date.now() + 1500;
    const execution = executor.start(request({ command: 'sleep 0.2', notBefore, timeoutMs: 1000 }));
    const started = await execution.started;
    expect(started!.at).toBeGreaterThanOrEqual(notBefore);
    // Counted from the start request, the 1 s timeout would have ended it before it began.
    expect((await execution.done).status).toBe('succeeded');
  });

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

  it('reports death by a signal as failed', async () => {
    const result = await executor.start(request({ command: 'kill -KILL $$' })).done;
    expect(result).toMatchObject({ status: 'failed', signal: 'SIGKILL' });
    expect(result.error).toBe('terminated by SIGKILL');
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
    const sleep = uniqueSleep();
    const started = Date.now();
    const result = await executor.start(
      request({
        command: `trap '' TERM; ${sleep} & ${sleep}; wait`,
        timeoutMs: 300,
        killGraceMs: 300,
      }),
    ).done;
    expect(result).toMatchObject({ status: 'timeout', error: 'timed out after 300 ms' });
    expect(Date.now() - started).toBeLessThan(5000);
    await eventually(() => processesWith(sleep).length === 0);
  });

  it('stop() kills the command and its children and reports killed', async () => {
    const sleep = uniqueSleep();
    const execution = executor.start(request({ command: `${sleep} & ${sleep}; wait` }));
    await eventually(() => processesWith(sleep).length === 2);
    execution.stop('killed', 'kill request');
    const result = await execution.done;
    expect(result).toMatchObject({ status: 'killed', error: 'kill request' });
    await eventually(() => processesWith(sleep).length === 0);
  });

  it('streams output live', async () => {
    const chunks: string[] = [];
    await executor.start(
      request({ command: 'echo a; sleep 0.1; echo b', onOutput: (c) => chunks.push(c.toString()) }),
    ).done;
    expect(chunks.join('')).toBe('a\nb\n');
  });

  it('reports the pid of the command, the leader of its own process group', async () => {
    const sleep = uniqueSleep();
    const execution = executor.start(request({ command: sleep }));
    const pid = (await execution.started)?.pid;
    expect(pid).toEqual(expect.any(Number));
    expect(execution.pid).toBe(pid);
    expect(psField(pid as number, 'pgid')).toBe(pid);
    // Spawned by the spawner process, not by this (worker) process.
    expect(psField(pid as number, 'ppid')).not.toBe(process.pid);
    execution.stop('killed', 'done');
    expect((await execution.done).status).toBe('killed');
  });

  it('applies a stop requested before the spawn is confirmed: the start is dropped', async () => {
    const sleep = uniqueSleep();
    const execution = executor.start(
      request({ command: `${sleep} & ${sleep}; wait`, killGraceMs: 300 }),
    );
    expect(execution.pid).toBeUndefined();
    execution.stop('killed', 'early kill');
    const result = await execution.done;
    expect(result).toMatchObject({ status: 'killed', error: 'early kill' });
    expect(await execution.started).toBeUndefined();
    await eventually(() => processesWith(sleep).length === 0);
  });

  it('kills the whole group of a run stopped after its start went to the spawner', async () => {
    const sleep = uniqueSleep();
    const execution = executor.start(
      request({ command: `${sleep} & ${sleep}; wait`, killGraceMs: 300 }),
    );
    await new Promise((resolve) => setImmediate(resolve)); // the start is on its way
    execution.stop('killed', 'late kill');
    expect(await execution.done).toMatchObject({ status: 'killed', error: 'late kill' });
    await eventually(() => processesWith(sleep).length === 0);
  });

  it('does not wait for background children that keep the output pipes open', async () => {
    const sleep = uniqueSleep();
    const started = Date.now();
    const execution = executor.start(request({ command: `${sleep} & echo hi` }));
    const result = await execution.done;
    expect(result).toMatchObject({ status: 'succeeded', output: 'hi\n' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(processesWith(sleep)).toHaveLength(1);
    process.kill(-(execution.pid as number), 'SIGKILL');
    await eventually(() => processesWith(sleep).length === 0);
  });

  it('reports the exit of a shell whose background child never stops writing', async () => {
    const execution = executor.start(request({ command: 'yes & exit 3', outputCapBytes: 64 }));
    const result = await execution.done;
    process.kill(-(execution.pid as number), 'SIGKILL');
    expect(result).toMatchObject({ status: 'failed', exitCode: 3, truncated: true });
  }, 20_000);

  it('gives the command exactly the requested environment, nothing of the worker', async () => {
    const path = process.env.PATH ?? '/usr/bin:/bin';
    const execution = executor.start(request({ command: 'env', env: { PATH: path, ONLY: '1' } }));
    const result = await execution.done;
    const vars = Object.fromEntries(
      result.output
        .trim()
        .split('\n')
        .map((line) => line.split('=', 2))
        // Set by the shell itself, as it always was.
        .filter(([name]) => !['PWD', 'OLDPWD', 'SHLVL', '_'].includes(name)),
    );
    expect(vars).toEqual({ PATH: path, ONLY: '1' });
    expect(result.output).not.toContain(SECRET);
  });

  it('does not hand the worker environment to the spawner process either', async () => {
    const execution = executor.start(request({ command: 'sleep 5' }));
    const spawnerPid = psField((await execution.started)?.pid as number, 'ppid');
    expect(readFileSync(`/proc/${spawnerPid}/environ`, 'utf8')).not.toContain(SECRET);
    execution.stop('killed', 'done');
    await execution.done;
  });

  it('gives the command /dev/null for stdin, no other descriptor, default signals, none blocked', async () => {
    // Another run holds pipes of its own meanwhile: none of them may leak into this command.
    const other = executor.start(request({ command: uniqueSleep() }));
    await other.started;
    const execution = executor.start(request({ command: `exec ${uniqueSleep()}` }));
    const pid = (await execution.started)?.pid as number;
    await eventually(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'));
    expect(readdirSync(`/proc/${pid}/fd`).sort()).toEqual(['0', '1', '2']);
    expect(readlinkSync(`/proc/${pid}/fd/0`)).toBe('/dev/null');
    // The spawner ignores SIGINT, SIGTERM, SIGHUP and SIGPIPE and blocks SIGCHLD; a command gets
    // none of that (only glibc's internal signals 32 and 33 stay ignored after posix_spawn).
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const mask = (name: string): bigint =>
      BigInt(`0x${new RegExp(`^${name}:\\s*(\\w+)`, 'm').exec(status)?.[1]}`);
    expect(mask('SigBlk')).toBe(0n);
    expect(mask('SigIgn') & 0x7fffffffn).toBe(0n);
    process.kill(-pid, 'SIGINT');
    expect(await execution.done).toMatchObject({ status: 'failed', signal: 'SIGINT' });
    other.stop('killed', 'done');
    await other.done;
  });

  it("feeds a request's stdin to the command, which then reads end of file", async () => {
    const stdin = 'first line\nsecond % line\n\u00e9\0after NUL';
    const result = await executor.start(
      request({ command: 'cat; echo "[end $?]"', stdin, outputCapBytes: 4096 }),
    ).done;
    expect(result).toMatchObject({ status: 'succeeded', output: `${stdin}[end 0]\n` });
  });

  it('gives an empty stdin as immediate end of file, and a large one whole', async () => {
    expect(await executor.start(request({ command: 'wc -c', stdin: '' })).done).toMatchObject({
      status: 'succeeded',
      output: '0\n',
    });
    // Larger than a pipe holds, to a command that reads it only after a while: nothing blocks.
    const big = 'x'.repeat(200_000);
    const slow = executor.start(request({ command: 'sleep 0.2; wc -c', stdin: big }));
    const quick = await executor.start(request({ command: 'echo quick' })).done;
    expect(quick).toMatchObject({ status: 'succeeded', output: 'quick\n' });
    expect(await slow.done).toMatchObject({ status: 'succeeded', output: '200000\n' });
  });

  it('gives the command its stdin as a read-only sealed memory file, no other descriptor', async () => {
    const execution = executor.start(request({ command: `exec ${uniqueSleep()}`, stdin: 'abc' }));
    const pid = (await execution.started)?.pid as number;
    await eventually(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'));
    expect(readdirSync(`/proc/${pid}/fd`).sort()).toEqual(['0', '1', '2']);
    expect(readlinkSync(`/proc/${pid}/fd/0`)).toMatch(/^\/memfd:cronplane-stdin/);
    // The seals forbid writing: the content is what the job says, whatever the command does.
    expect(() => writeFileSync(`/proc/${pid}/fd/0`, 'changed')).toThrow();
    execution.stop('killed', 'done');
    await execution.done;
  });

  it("runs the command with the request's own shell instead of WORKER_SHELL", async () => {
    const dash = new SpawnerExecutor(config('/nonexistent/sh'));
    try {
      const result = await dash.start(
        request({ command: 'echo "$BASH_VERSION" | cut -c1', shell: '/bin/bash' }),
      ).done;
      expect(result).toMatchObject({ status: 'succeeded' });
      expect(result.output).toMatch(/^[0-9]\n$/);
    } finally {
      await dash.onApplicationShutdown();
    }
  });

  it('finds a shell given without a path on the PATH of the request', async () => {
    const bare = new SpawnerExecutor(config('sh'));
    try {
      const result = await bare.start(request({ command: 'echo found' })).done;
      expect(result).toMatchObject({ status: 'succeeded', output: 'found\n' });
    } finally {
      await bare.onApplicationShutdown();
    }
  });

  it('refuses a command or environment with a NUL byte, which exec cannot pass', () => {
    expect(() => executor.start(request({ command: 'echo a\0b' }))).toThrow(/NUL byte/);
    expect(() => executor.start(request({ env: { A: 'x\0y' } }))).toThrow(/NUL byte/);
    expect(() => executor.start(request({ env: { 'A=B': 'x' } }))).toThrow(/contain no "="/);
  });

  it('delivers large output whole while the worker reads it (20 MiB through the pipes)', async () => {
    let seen = 0;
    const result = await executor.start(
      request({
        command: 'head -c 20971520 /dev/zero; echo END',
        outputCapBytes: 1024,
        onOutput: (chunk) => (seen += chunk.length),
      }),
    ).done;
    expect(seen).toBe(20971520 + 4);
    expect(result).toMatchObject({ status: 'succeeded', truncated: true });
    expect(result.output.endsWith('END\n')).toBe(true);
  });

  it('fails a command that cannot start', async () => {
    const broken = new SpawnerExecutor(config('/nonexistent/sh'));
    try {
      const execution = broken.start(request({ command: 'true' }));
      const result = await execution.done;
      expect(result.status).toBe('failed');
      expect(result.error).toMatch(/^could not start: spawn \/nonexistent\/sh ENOENT/);
      expect(await execution.started).toBeUndefined();
    } finally {
      await broken.onApplicationShutdown();
    }
  });

  it('runs 300 concurrent commands', async () => {
    const executions = Array.from({ length: 300 }, (_, i) =>
      executor.start(request({ runId: `r${i}`, command: 'true' })),
    );
    const results = await Promise.all(executions.map((execution) => execution.done));
    expect(results.filter((result) => result.status !== 'succeeded')).toEqual([]);
    expect(new Set(executions.map((execution) => execution.pid)).size).toBe(300);
  });

  it('fails the runs of a spawner that dies, kills their groups, and starts a new one', async () => {
    const sleep = uniqueSleep();
    const execution = executor.start(
      // The shell and its children ignore SIGTERM: only the SIGKILL after the grace ends them.
      request({ command: `trap '' TERM; ${sleep} & ${sleep}; wait`, killGraceMs: 300 }),
    );
    const pid = (await execution.started)?.pid as number;
    await eventually(() => processesWith(sleep).length === 2);
    const spawnerPid = psField(pid, 'ppid');
    process.kill(spawnerPid, 'SIGKILL');
    const result = await execution.done;
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/^executor process exited \(signal SIGKILL\)/);
    await eventually(() => processesWith(sleep).length === 0);

    const next = executor.start(request({ command: 'echo again' }));
    expect(await next.done).toMatchObject({ status: 'succeeded', output: 'again\n' });
    const later = executor.start(request({ command: 'sleep 5' }));
    expect(psField((await later.started)?.pid as number, 'ppid')).not.toBe(spawnerPid);
    later.stop('killed', 'done');
    await later.done;
  });
});

describe('the spawner binary, spoken to directly', () => {
  /** Writes `input` to a fresh spawner, ends its stdin, and collects its events and exit code. */
  async function converse(input: Buffer): Promise<{ events: SpawnerEvent[]; code: number | null }> {
    const child = spawn(SPAWNER_BINARY, [], { env: {}, stdio: ['pipe', 'pipe', 'ignore'] });
    const decoder = new EventDecoder();
    const events: SpawnerEvent[] = [];
    child.stdout.on('data', (chunk: Buffer) => events.push(...decoder.push(chunk)));
    child.stdin.end(input);
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    return { events, code };
  }

  it('answers a malformed start with failed, so the worker never waits for it', async () => {
    const frame = Buffer.from([5, 0, 0, 0, 1, 42, 0, 0, 0]);
    expect(await converse(frame)).toEqual({
      events: [{ kind: 'failed', id: 42, message: 'spawn (malformed start) EINVAL' }],
      code: 0,
    });
  });

  it('answers a start whose stdin trailer does not match its length with failed', async () => {
    const good = encodeCommands([
      { kind: 'start', id: 7, file: 'true', args: [], env: {}, stdin: 'abc' },
    ]);
    // Claims 3 bytes of stdin but the frame holds 2 (its length shrunk by one, last byte cut).
    const bad = Buffer.from(good.subarray(0, good.length - 1));
    bad.writeUInt32LE(good.readUInt32LE(0) - 1, 0);
    expect(await converse(bad)).toEqual({
      events: [{ kind: 'failed', id: 7, message: 'spawn (malformed start) EINVAL' }],
      code: 0,
    });
  });

  it('stops reading commands while the worker does not read, and loses no byte', async () => {
    const child = spawn(SPAWNER_BINARY, [], { env: {}, stdio: ['pipe', 'pipe', 'ignore'] });
    const total = 64 * 1024 * 1024;
    child.stdin.write(
      encodeCommands([
        {
          kind: 'start',
          id: 1,
          file: '/bin/sh',
          args: ['-c', `head -c ${total} /dev/zero`],
          env: {},
        },
      ]),
    );
    // Not reading: the spawner holds at most its 16 MiB pause mark (plus pipe buffers).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const rss = Number(
      /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1],
    );
    expect(rss * 1024).toBeLessThan(32 * 1024 * 1024);
    const decoder = new EventDecoder();
    let bytes = 0;
    const closed = new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        for (const event of decoder.push(chunk)) {
          if (event.kind === 'output') bytes += event.chunk.length;
          if (event.kind === 'closed') resolve();
        }
      }),
    );
    await closed;
    expect(bytes).toBe(total);
    child.stdin.end();
  });

  it('exits at once on a frame too large to be a command', async () => {
    expect(await converse(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toEqual({ events: [], code: 65 });
  });
});

describe('SpawnerClient', () => {
  it('close() stops the spawner quietly: "stopped", never "lost"', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      for (let i = 0; i < 5; i++) {
        const client = new SpawnerClient();
        const spec = { file: '/bin/sh', args: ['-c', 'true'], env: {} };
        expect((await new SpawnedRun(request({}), spec, client).done).status).toBe('succeeded');
        await client.close();
      }
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('fails runs when the spawner process cannot run, and keeps failing them cleanly', async () => {
    // A spawner that exits at once.
    const client = new SpawnerClient({ file: '/bin/sh', args: ['-c', 'exit 3'] });
    const spec = { file: '/bin/sh', args: ['-c', 'true'], env: {} };
    for (const runId of ['first', 'second']) {
      const run = new SpawnedRun(request({ runId }), spec, client);
      const result = await run.done;
      expect(result.status).toBe('failed');
      expect(result.error).toMatch(/^executor process exited \(code 3\)/);
      expect(await run.started).toBeUndefined();
    }
    await client.close();
  });
});
