/**
 * The part of `npm ci`'s check that the image build depends on, done offline: every dependency
 * (optional ones included) of every package in package-lock.json has its own entry. npm leaves
 * out the optional packages a registry does not serve (here, other platforms' native builds), and
 * npm ci then refuses the lock as out of sync.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

interface LockPackage {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  dev?: boolean;
  [field: string]: unknown;
}

export interface Lockfile {
  packages: Record<string, LockPackage>;
}

/** Where Node would find `name` from the package at `from`: its own node_modules, then upwards. */
function resolves(lock: Lockfile, from: string, name: string): boolean {
  let base = from;
  for (;;) {
    if (lock.packages[`${base ? `${base}/` : ''}node_modules/${name}`]) return true;
    if (!base) return false;
    const at = base.lastIndexOf('/node_modules/');
    base = at < 0 ? '' : base.slice(0, at);
  }
}

/** `package -> dependency` for every dependency with no entry in the lock. */
export function missingLockEntries(lock: Lockfile): string[] {
  const missing: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path !== '' && !path.includes('node_modules/')) continue; // workspace links
    const names = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
    ];
    for (const name of names) {
      if (!resolves(lock, path, name)) missing.push(`${path || '(root)'} -> ${name}`);
    }
  }
  return missing;
}

const OSES = [
  'darwin',
  'linux',
  'win32',
  'android',
  'freebsd',
  'openbsd',
  'netbsd',
  'sunos',
  'aix',
  'openharmony',
];
const CPUS = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el'];

type PlatformEntry = {
  version: string;
  cpu?: string[];
  dev?: boolean;
  libc?: string[];
  optional: true;
  os?: string[];
};

/** os, cpu and libc of a native-build package, read from its name (`@rollup/rollup-linux-x64-musl`). */
function platformOf(name: string): Pick<PlatformEntry, 'os' | 'cpu' | 'libc'> {
  const parts = name.split('/').at(-1)?.split('-') ?? [];
  const os = parts.find((part) => OSES.includes(part));
  const cpu = parts.find((part) => CPUS.includes(part));
  const abi = parts.find((part) => /^(gnu|musl)/.test(part));
  return {
    ...(cpu ? { cpu: [cpu] } : {}),
    ...(abi && os === 'linux' ? { libc: [abi.startsWith('gnu') ? 'glibc' : 'musl'] } : {}),
    ...(os ? { os: [os] } : {}),
  };
}

/**
 * Adds the missing optional packages as entries npm ci accepts: pinned version, optional, with
 * the platform read from the name, so installs on other platforms skip them. Returns what it added.
 */
export function addMissingOptionalEntries(lock: Lockfile): string[] {
  const added: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
      if (resolves(lock, path, name) || !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)) continue;
      const key = `node_modules/${name}`;
      const at = lock.packages[key] ? `${path}/${key}` : key;
      const dev = entry.dev;
      const created: PlatformEntry = {
        version,
        ...(dev ? { dev } : {}),
        optional: true,
        ...platformOf(name),
      };
      lock.packages[at] = created;
      added.push(at);
    }
  }
  lock.packages = Object.fromEntries(
    Object.entries(lock.packages).sort(([a], [b]) =>
      a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0,
    ),
  );
  return added;
}

export const LOCKFILE = resolve(__dirname, '..', '..', '..', 'package-lock.json');

export function readLockfile(): Lockfile {
  return JSON.parse(readFileSync(LOCKFILE, 'utf8')) as Lockfile;
}

/** `npx tsx test/deploy/support/lockfile.ts [--fix]`: lists, or adds, the missing entries. */
if (require.main === module) {
  const lock = readLockfile();
  if (process.argv.includes('--fix')) {
    const added = addMissingOptionalEntries(lock);
    writeFileSync(LOCKFILE, `${JSON.stringify(lock, null, 2)}\n`);
    process.stdout.write(`added ${added.length} entries\n${added.join('\n')}\n`);
  } else {
    process.stdout.write(`${missingLockEntries(lock).join('\n')}\n`);
  }
}
