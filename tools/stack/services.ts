/**
 * The three servers of the local stack, each a child process on its own loopback port with its
 * own data directory. Used by `npm run stack:*`, `npm run dev`, the test harness (one shared
 * stack) and tests that need a private server to stop and restart. FerretDB on PostgreSQL runs
 * on a PostgreSQL started separately (postgres.ts).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { StackBinaries } from './install';
import { freePort, tcpGreeting } from './ports';
import { createDatabase, databaseFor, PostgresRef, postgresUrl } from './postgres';
import { stopPid, waitUntil } from './processes';

export { isAlive, stopPid, waitUntil } from './processes';

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

/**
 * The MongoDB-wire server of `mongo`'s kind in `dir`. FerretDB on PostgreSQL (ferretdb-pg) needs
 * a running PostgreSQL: its data goes to a database of its own there, named after `dir`, so a
 * spec made again for the same `dir` finds the same data, as with the other kinds.
 */
export async function mongoSpec(
  mongo: StackBinaries['mongo'],
  dir: string,
  port?: number,
  postgres?: PostgresRef,
): Promise<ServiceSpec> {
  const listenPort = port ?? (await freePort());
  const url = `mongodb://127.0.0.1:${listenPort}`;
  const listen = `-listen-addr=127.0.0.1:${listenPort}`;
  let args: string[];
  switch (mongo.kind) {
    case 'mongod':
      args = [
        '--bind_ip=127.0.0.1',
        `--port=${listenPort}`,
        `--dbpath=${join(dir, 'data')}`,
        '--quiet',
      ];
      break;
    case 'ferretdb-sqlite':
      args = [listen, `-sqlite-dir=${join(dir, 'data')}`];
      break;
    case 'ferretdb-pg': {
      if (!postgres)
        throw new Error('MONGO_BACKEND=ferretdb-pg: FerretDB needs a running PostgreSQL');
      const database = databaseFor(dir);
      await createDatabase(postgres, database);
      args = [listen, '-handler=postgresql', `-postgresql-url=${postgresUrl(postgres, database)}`];
      break;
    }
  }
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
