/**
 * The three servers of the local stack, each a child process on its own loopback port with its
 * own data directory. Used by `npm run stack:*`, `npm run dev`, the test harness (one shared
 * stack) and tests that need a private server to stop and restart.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { StackBinaries } from './install';
import { freePort, tcpGreeting } from './ports';

export type ServiceName = 'etcd' | 'mongo' | 'nats' | 'redis';

export interface ServiceSpec {
  name: ServiceName;
  binary: string;
  args: string[];
  logFile: string;
  /** Connection string applications use. */
  url: string;
  port: number;
  isReady(): Promise<boolean>;
}

async function etcdHealthy(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, {
      signal: AbortSignal.timeout(1000),
    });
    const body = (await response.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}

async function mongoAnswers(url: string): Promise<boolean> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 1000, connectTimeoutMS: 1000 });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}

async function natsAnswers(port: number): Promise<boolean> {
  try {
    return (await tcpGreeting(port)).startsWith('INFO');
  } catch {
    return false;
  }
}

export async function etcdSpec(binary: string, dir: string, port?: number): Promise<ServiceSpec> {
  const clientPort = port ?? (await freePort());
  const peerPort = await freePort();
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return {
    name: 'etcd',
    binary,
    port: clientPort,
    url,
    logFile: join(dir, 'etcd.log'),
    args: [
      '--name=cronplane',
      `--data-dir=${join(dir, 'data')}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=cronplane=${peer}`,
      '--auto-compaction-mode=periodic',
      '--auto-compaction-retention=1h',
      '--log-level=warn',
      '--logger=zap',
    ],
    isReady: () => etcdHealthy(clientPort),
  };
}

export async function mongoSpec(
  mongo: StackBinaries['mongo'],
  dir: string,
  port?: number,
): Promise<ServiceSpec> {
  const listenPort = port ?? (await freePort());
  const url = `mongodb://127.0.0.1:${listenPort}`;
  const args =
    mongo.kind === 'mongod'
      ? ['--bind_ip=127.0.0.1', `--port=${listenPort}`, `--dbpath=${join(dir, 'data')}`, '--quiet']
      : [`-listen-addr=127.0.0.1:${listenPort}`, `-sqlite-dir=${join(dir, 'data')}`];
  return {
    name: 'mongo',
    binary: mongo.path,
    port: listenPort,
    url,
    logFile: join(dir, 'mongo.log'),
    args,
    isReady: () => mongoAnswers(url),
  };
}

export async function natsSpec(binary: string, dir: string, port?: number): Promise<ServiceSpec> {
  const listenPort = port ?? (await freePort());
  return {
    name: 'nats',
    binary,
    port: listenPort,
    url: `nats://127.0.0.1:${listenPort}`,
    logFile: join(dir, 'nats.log'),
    args: ['-js', '-a', '127.0.0.1', '-p', String(listenPort), '-sd', join(dir, 'data')],
    isReady: () => natsAnswers(listenPort),
  };
}

export interface RunningService {
  spec: ServiceSpec;
  pid: number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function stopPid(pid: number, graceMs = 10000): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  try {
    await waitUntil(() => !isAlive(pid), graceMs, `pid ${pid} to exit`);
  } catch {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await waitUntil(() => !isAlive(pid), 5000, `pid ${pid} to die`);
  }
}

/**
 * Starts a service and waits until it answers. `detached` leaves it running after this process
 * exits (stack:up); otherwise it is this process's child (tests) and is killed with it.
 */
export async function startService(
  spec: ServiceSpec,
  options: { detached?: boolean; timeoutMs?: number } = {},
): Promise<RunningService> {
  mkdirSync(join(spec.logFile, '..'), { recursive: true });
  const logFd = openSync(spec.logFile, 'a');
  const child = spawn(spec.binary, spec.args, {
    detached: options.detached ?? false,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${spec.name} (${spec.binary})`);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  if (options.detached) child.unref();
  try {
    await waitUntil(
      async () => {
        if (exited) throw new Error(`${spec.name} exited during start-up; see ${spec.logFile}`);
        return spec.isReady();
      },
      options.timeoutMs ?? 30000,
      `${spec.name} on port ${spec.port} (log: ${spec.logFile})`,
    );
  } catch (error) {
    await stopPid(pid, 2000);
    throw error;
  }
  return { spec, pid, stop: (graceMs) => stopPid(pid, graceMs) };
}
