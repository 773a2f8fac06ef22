/**
 * Finds or installs the binaries of the local stack: etcd and nats-server from Debian's packages,
 * and a MongoDB-wire server chosen by MONGO_BACKEND (see mongoBackend): mongod, or FerretDB
 * v1.24.2 built with Go and cached outside the work tree (built once per machine) on SQLite or on
 * PostgreSQL (Debian's postgresql package).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

export const FERRETDB_VERSION = '1.24.2';
const SEARCH_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export const MONGO_BACKENDS = ['mongod', 'ferretdb-sqlite', 'ferretdb-pg'] as const;
export type MongoBackend = (typeof MONGO_BACKENDS)[number];

export interface StackBinaries {
  etcd: string;
  nats: string;
  mongo: { kind: MongoBackend; path: string };
  /** PostgreSQL's bin directory, for the ferretdb-pg backend only. */
  postgres?: string;
}

export function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...SEARCH_DIRS];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

function log(message: string): void {
  process.stderr.write(`stack: ${message}\n`);
}

let aptUpdated = false;

function aptInstall(pkg: string): void {
  const asRoot = process.getuid?.() === 0;
  const prefix = asRoot ? [] : which('sudo') ? ['sudo', '-n'] : undefined;
  if (!prefix)
    throw new Error(`cannot install ${pkg}: not root and no sudo; install it with apt-get`);
  const run = (args: string[]): void => {
    const [cmd, ...rest] = [...prefix, ...args];
    const result = spawnSync(cmd, rest, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (result.status !== 0) throw new Error(`'${args.join(' ')}' failed (exit ${result.status})`);
  };
  log(`installing Debian package ${pkg}`);
  if (!aptUpdated) {
    run(['apt-get', 'update', '-qq']);
    aptUpdated = true;
  }
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', pkg]);
}

export function ensureDebianBinary(binary: string, pkg: string): string {
  const found = which(binary);
  if (found) return found;
  aptInstall(pkg);
  const installed = which(binary);
  if (!installed) throw new Error(`package ${pkg} installed but ${binary} not found`);
  return installed;
}

/** A C compiler for the native spawner: $CC, else cc; on Debian, gcc and libc's headers. */
export function ensureCCompiler(): string {
  const named = process.env.CC;
  if (named) return named;
  const found = which('cc');
  if (found) return found;
  aptInstall('gcc');
  aptInstall('libc6-dev');
  const installed = which('cc');
  if (!installed) throw new Error('package gcc installed but cc not found');
  return installed;
}

export function cacheDir(): string {
  return process.env.CRONPLANE_CACHE ?? join(homedir(), '.cache', 'cronplane');
}

const FERRETDB_SOURCE = resolve(__dirname, '..', 'ferretdb');

function ensureFerretDb(): string {
  // Named after the wrapper's source too, so a change to tools/ferretdb builds a new binary.
  const source = createHash('sha256');
  for (const file of ['main.go', 'go.mod', 'go.sum'])
    source.update(readFileSync(join(FERRETDB_SOURCE, file)));
  const binary = join(
    cacheDir(),
    'bin',
    `ferretdb-${FERRETDB_VERSION}-${source.digest('hex').slice(0, 10)}`,
  );
  if (existsSync(binary)) return binary;
  const go =
    which('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) throw new Error('FerretDB must be built with Go, and no go binary was found');
  mkdirSync(join(cacheDir(), 'bin'), { recursive: true });
  log(`building FerretDB v${FERRETDB_VERSION} with Go (once per machine; a few minutes)`);
  execFileSync(go, ['build', '-o', binary, '.'], {
    cwd: FERRETDB_SOURCE,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return binary;
}

const POSTGRES_ROOT = '/usr/lib/postgresql';

function postgresBinDir(): string | undefined {
  if (!existsSync(POSTGRES_ROOT)) return undefined;
  const newest = readdirSync(POSTGRES_ROOT)
    .filter((version) => existsSync(join(POSTGRES_ROOT, version, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return newest === undefined ? undefined : join(POSTGRES_ROOT, newest, 'bin');
}

/** The newest /usr/lib/postgresql/<version>/bin; installs Debian's postgresql when there is none. */
export function ensurePostgres(): string {
  const found = postgresBinDir();
  if (found) return found;
  aptInstall('postgresql');
  const installed = postgresBinDir();
  if (!installed) throw new Error(`package postgresql installed but nothing in ${POSTGRES_ROOT}`);
  return installed;
}

/**
 * MONGO_BACKEND: mongod, ferretdb-sqlite or ferretdb-pg (FerretDB on PostgreSQL). Unset: mongod
 * when it is on PATH, else ferretdb-sqlite.
 */
export function mongoBackend(): MongoBackend {
  const named = process.env.MONGO_BACKEND;
  if (!named) return which('mongod') ? 'mongod' : 'ferretdb-sqlite';
  const backend = MONGO_BACKENDS.find((b) => b === named);
  if (!backend)
    throw new Error(`MONGO_BACKEND=${named}: expected one of ${MONGO_BACKENDS.join(', ')}`);
  return backend;
}

export function ensureBinaries(): StackBinaries {
  const etcd = ensureDebianBinary('etcd', 'etcd-server');
  const nats = ensureDebianBinary('nats-server', 'nats-server');
  const backend = mongoBackend();
  if (backend === 'mongod') {
    const mongod = which('mongod');
    if (!mongod) throw new Error('MONGO_BACKEND=mongod, but there is no mongod on PATH');
    return { etcd, nats, mongo: { kind: backend, path: mongod } };
  }
  const mongo = { kind: backend, path: ensureFerretDb() };
  return backend === 'ferretdb-pg'
    ? { etcd, nats, mongo, postgres: ensurePostgres() }
    : { etcd, nats, mongo };
}
