/**
 * PostgreSQL under FerretDB's postgresql handler (the `ferretdb-pg` MongoDB-wire backend): a
 * private cluster created with initdb in a directory of the project's, listening on its own
 * loopback port and on a unix socket in that directory, trusting loopback connections only.
 *
 * PostgreSQL refuses to run as root: when this process is root, initdb and postgres run as the
 * `postgres` system user (the Debian package creates it), spawned with its uid and gid directly
 * rather than through runuser, so the pid held here is the postmaster's own and its signals go
 * straight to it. The postmaster leads a process group of its own and is stopped by a fast
 * shutdown, then a SIGKILL of that group, so none of its backends outlive it.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { Socket } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports';
import { isAlive, waitUntil } from './processes';

const run = promisify(execFile);

/** Enough to reach a running PostgreSQL; JSON, so test files get it from the global setup. */
export interface PostgresRef {
  binDir: string;
  port: number;
}

export interface RunningPostgres {
  ref: PostgresRef;
  /** The postmaster's pid, which is also its process group's id. */
  pid: number;
  logFile: string;
  /** Fast shutdown, then SIGKILL of the process group after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

interface Account {
  uid: number;
  gid: number;
}

/** The `postgres` system user when this process is root; undefined: run as ourselves. */
function postgresAccount(): Account | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((line) => line.startsWith('postgres:'));
  if (!entry) {
    throw new Error(
      'PostgreSQL refuses to run as root and there is no postgres system user (the Debian package postgresql creates it)',
    );
  }
  const [, , uid, gid] = entry.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * The postgres user must be able to enter every directory above its own. Directories inside
 * `ownedRoot` (created by the project, e.g. by mkdtemp with mode 0700) get the search bit for
 * others, which lets it through without letting it list them; one above that must allow it already.
 */
function makeReachable(dir: string, ownedRoot: string, account: Account): void {
  const root = resolve(ownedRoot);
  for (let d = dirname(resolve(dir)); ; d = dirname(d)) {
    const stat = statSync(d);
    if ((stat.mode & 0o001) === 0 && stat.uid !== account.uid) {
      const inside = !relative(root, d).startsWith('..');
      if (!inside) {
        throw new Error(
          `PostgreSQL runs as the postgres user, which may not enter ${d}: put its directory elsewhere`,
        );
      }
      chmodSync(d, (stat.mode & 0o7777) | 0o001);
    }
    if (d === dirname(d)) return;
  }
}

function ownedDir(path: string, account: Account | undefined): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  if (account) chownSync(path, account.uid, account.gid);
  chmodSync(path, 0o700);
}

function asAccount(account: Account | undefined): { uid?: number; gid?: number } {
  return account ? { uid: account.uid, gid: account.gid } : {};
}

async function initdb(binDir: string, data: string, account: Account | undefined): Promise<void> {
  await run(
    join(binDir, 'initdb'),
    [
      `--pgdata=${data}`,
      '--username=postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--no-locale',
      // A test database: nothing written here has to survive a crash of the machine.
      '--no-sync',
      '--no-instructions',
    ],
    { ...asAccount(account), cwd: dirname(data), env: { PATH: process.env.PATH ?? '' } },
  );
  const hba = join(data, 'pg_hba.conf');
  writeFileSync(
    hba,
    [
      '# cronplane: trust, for loopback only (TCP on 127.0.0.1; the socket directory is mode 0700).',
      'local all all trust',
      'host  all all 127.0.0.1/32 trust',
      '',
    ].join('\n'),
  );
  if (account) chownSync(hba, account.uid, account.gid);
}

async function accepting(ref: PostgresRef): Promise<boolean> {
  try {
    await run(join(ref.binDir, 'pg_isready'), [
      '--host=127.0.0.1',
      `--port=${ref.port}`,
      '--username=postgres',
      '--dbname=postgres',
      '--timeout=1',
      '--quiet',
    ]);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Stops a postmaster (also one that `npm run stack:up` left running) and its process group. */
export async function stopPostgresPid(pid: number, graceMs = 10000): Promise<void> {
  if (isAlive(pid)) {
    // SIGINT is PostgreSQL's fast shutdown: sessions end, a checkpoint, exit. (SIGTERM, the smart
    // shutdown, would wait for every client to disconnect first.)
    process.kill(pid, 'SIGINT');
    await waitUntil(() => !isAlive(pid), graceMs, `postgres ${pid} to shut down`).catch(
      () => undefined,
    );
  }
  signalGroup(pid, 'SIGKILL');
  // Best effort: an orphaned backend is reaped by init, which may take a moment.
  await waitUntil(() => !signalGroup(pid, 0), 5000, `postgres group ${pid} to go`).catch(
    () => undefined,
  );
}

/**
 * A process in a session of its own that stops the postmaster's group when this process ends
 * without stopping it (jest killed, Ctrl-C: the postmaster, in its own group, gets no SIGINT from
 * the terminal). It waits on a pipe from this process; end of file means this process is gone.
 */
function watchdog(pgid: number): ChildProcess {
  const script = [
    'read -r _',
    'kill -INT "$1" 2>/dev/null',
    'i=0',
    'while kill -0 "$1" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done',
    'kill -KILL -- "-$1" 2>/dev/null',
  ].join('\n');
  const child = spawn('/bin/sh', ['-c', script, 'cronplane-postgres-watchdog', String(pgid)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.unref();
  (child.stdin as Socket | null)?.unref();
  return child;
}

/** A PostgreSQL database name for the FerretDB instance whose directory is `dir` (stable). */
export function databaseFor(dir: string): string {
  return `ferretdb_${createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 12)}`;
}

/** Creates `database` unless it exists. */
export async function createDatabase(ref: PostgresRef, database: string): Promise<void> {
  try {
    await run(join(ref.binDir, 'createdb'), [
      '--host=127.0.0.1',
      `--port=${ref.port}`,
      '--username=postgres',
      database,
    ]);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    if (!stderr.includes('already exists')) throw new Error(`createdb ${database}: ${stderr}`);
  }
}

/** The URL FerretDB's --postgresql-url takes. */
export function postgresUrl(ref: PostgresRef, database: string): string {
  return `postgres://postgres@127.0.0.1:${ref.port}/${database}`;
}

/**
 * Starts PostgreSQL with its cluster in `dir` (created by initdb the first time). `ownedRoot` is
 * the directory the project created `dir` in, whose subdirectories may be opened to postgres.
 * `detached` leaves it running after this process exits (stack:up).
 */
export async function startPostgres(
  binDir: string,
  dir: string,
  options: { ownedRoot: string; detached?: boolean; port?: number; timeoutMs?: number },
): Promise<RunningPostgres> {
  const account = postgresAccount();
  mkdirSync(dir, { recursive: true });
  if (account) makeReachable(dir, options.ownedRoot, account);
  const data = join(dir, 'data');
  const sockets = join(dir, 'socket');
  ownedDir(dir, account);
  ownedDir(sockets, account);
  if (!existsSync(join(data, 'PG_VERSION'))) await initdb(binDir, data, account);

  const ref: PostgresRef = { binDir, port: options.port ?? (await freePort()) };
  const logFile = join(dir, 'postgres.log');
  const logFd = openSync(logFile, 'a');
  const child = spawn(
    join(binDir, 'postgres'),
    [
      `-D${data}`,
      `-p${ref.port}`,
      `-k${sockets}`,
      '-clisten_addresses=127.0.0.1',
      '-cunix_socket_permissions=0700',
      // For tests only: no fsync and no full-page writes keep start-up and writes fast; a crash
      // of the machine may lose or corrupt this cluster, which lives as long as one test run.
      '-cfsync=off',
      '-csynchronous_commit=off',
      '-cfull_page_writes=off',
      // Each FerretDB keeps up to 50 connections (its pool's default); tests run a few at once.
      '-cmax_connections=300',
    ],
    {
      ...asAccount(account),
      cwd: dir,
      // Its own process group, so that stopping it takes every backend with it.
      detached: true,
      stdio: ['ignore', logFd, logFd],
    },
  );
  closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start postgres (${binDir}); see ${logFile}`);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  if (options.detached) child.unref();
  const guard = options.detached ? undefined : watchdog(pid);
  const stop = async (graceMs?: number): Promise<void> => {
    await stopPostgresPid(pid, graceMs);
    guard?.kill('SIGKILL');
  };
  try {
    await waitUntil(
      () => {
        if (exited) throw new Error(`postgres exited during start-up; see ${logFile}`);
        return accepting(ref);
      },
      options.timeoutMs ?? 30000,
      `postgres on port ${ref.port} (log: ${logFile})`,
    );
  } catch (error) {
    await stop(2000);
    throw error;
  }
  return { ref, pid, logFile, stop };
}
