/**
 * The machine's own limits, measured in the same run as the scenarios: how fast C's posix_spawn
 * (the physical limit) and Node can start `sh -c true` processes, and how many compare-and-swap
 * transactions etcd commits per second.
 */
import { execFile, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { buildNative } from '../../tools/build';

const ROOT = resolve(__dirname, '..', '..');

/** One run of bench/native/spawn-limit.c. */
export interface SpawnLimit {
  n: number;
  inFlight: number;
  /** From the first posix_spawn call until the last one returned. */
  lastStartMs: number;
  allExitedMs: number;
  startsPerSecond: number;
}

/**
 * The physical limit: `n` starts of `sh -c true` by posix_spawn from a small C program, at most
 * `inFlight` at a time, started the way the worker's spawner starts commands.
 */
export async function cSpawnLimit(n: number, inFlight: number): Promise<SpawnLimit> {
  const binary = buildNative(
    join(ROOT, 'bench', 'native', 'spawn-limit.c'),
    join(ROOT, 'dist', 'bench', 'spawn-limit'),
  );
  const { stdout } = await promisify(execFile)(binary, [String(n), String(inFlight)]);
  const result = JSON.parse(stdout) as Omit<SpawnLimit, 'startsPerSecond'>;
  return { ...result, startsPerSecond: (result.n * 1000) / result.lastStartMs };
}

/** Milliseconds from the first spawn call until all `n` processes have started. */
export async function rawSpawnBurstMs(n: number, shell = '/bin/sh'): Promise<number> {
  const started: Promise<void>[] = [];
  const exited: Promise<void>[] = [];
  const t0 = performance.now();
  let last = t0;
  for (let i = 0; i < n; i++) {
    const child = spawn(shell, ['-c', 'true'], { stdio: 'ignore', detached: true });
    started.push(
      new Promise((resolve, reject) => {
        child.once('spawn', () => {
          last = performance.now();
          resolve();
        });
        child.once('error', reject);
      }),
    );
    exited.push(new Promise((resolve) => child.once('exit', () => resolve())));
  }
  await Promise.all(started);
  await Promise.all(exited);
  return last - t0;
}

/** Committed CAS transactions per second against `endpoints`, `concurrency` loops for `ms`. */
export async function etcdCasRate(
  endpoints: string[],
  ms = 5000,
  concurrency = 32,
): Promise<number> {
  const client = new Etcd3({ hosts: endpoints });
  const prefix = `/bench-cas/${Date.now()}/`;
  let committed = 0;
  const deadline = Date.now() + ms;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async (_, i) => {
        const key = `${prefix}${i}`;
        let revision = 0;
        while (Date.now() < deadline) {
          const result = await client
            .if(key, 'Mod', '==', revision)
            .then(client.put(key).value(String(committed)))
            .commit();
          if (!result.succeeded) throw new Error('unexpected CAS conflict');
          revision = Number(result.header.revision);
          committed += 1;
        }
      }),
    );
    await client.delete().prefix(prefix);
  } finally {
    client.close();
  }
  return (committed * 1000) / ms;
}
