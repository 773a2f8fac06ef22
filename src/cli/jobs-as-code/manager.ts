/**
 * The manager `apply` writes into managedBy when --manager is not given: `git:<remote>` of the
 * repository holding the files (origin's URL, credentials removed), else `file:<directory>`.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A remote URL without its user info: `https://tok@host/x.git` → `https://host/x.git`. */
export function withoutCredentials(url: string): string {
  return url.trim().replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}

function directoryOf(path: string): string {
  const absolute = resolve(path);
  try {
    return statSync(absolute).isDirectory() ? absolute : dirname(absolute);
  } catch {
    return dirname(absolute);
  }
}

function gitRemote(dir: string): string | undefined {
  try {
    const url = execFileSync('git', ['-C', dir, 'remote', 'get-url', 'origin'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    }).trim();
    return url === '' ? undefined : withoutCredentials(url);
  } catch {
    // Not a repository, no origin, or no git: the directory names the manager.
    return undefined;
  }
}

export function defaultManager(firstPath: string): string {
  const dir = directoryOf(firstPath);
  const remote = gitRemote(dir);
  return remote !== undefined ? `git:${remote}` : `file:${dir}`;
}
