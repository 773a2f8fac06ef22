/**
 * Finds or installs the binaries of the local stack: etcd and nats-server from Debian's packages,
 * and a MongoDB-wire server (mongod when it is on PATH, else FerretDB v1.24.2 built with Go and
 * cached outside the work tree so it is built once per machine).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

export const FERRETDB_VERSION = '1.24.2';
const SEARCH_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export interface StackBinaries {
  etcd: string;
  nats: string;
  mongo: { kind: 'mongod' | 'ferretdb'; path: string };
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

function ensureFerretDb(): string {
  const binary = join(cacheDir(), 'bin', `ferretdb-${FERRETDB_VERSION}`);
  if (existsSync(binary)) return binary;
  const go =
    which('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) throw new Error('FerretDB must be built with Go, and no go binary was found');
  mkdirSync(join(cacheDir(), 'bin'), { recursive: true });
  log(`building FerretDB v${FERRETDB_VERSION} with Go (once per machine; a few minutes)`);
  execFileSync(go, ['build', '-o', binary, '.'], {
    cwd: resolve(__dirname, '..', 'ferretdb'),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return binary;
}

export function ensureBinaries(): StackBinaries {
  const mongod = which('mongod');
  return {
    etcd: ensureDebianBinary('etcd', 'etcd-server'),
    nats: ensureDebianBinary('nats-server', 'nats-server'),
    mongo: mongod ? { kind: 'mongod', path: mongod } : { kind: 'ferretdb', path: ensureFerretDb() },
  };
}
