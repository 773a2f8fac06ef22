/**
 * Finds or installs helm for the chart tests: `go install helm.sh/helm/v3/cmd/helm@v3.22.0` from
 * the Go module proxy, cached under the same directory as the stack's FerretDB build, so it is
 * built once per machine. Usable as a CLI too: `tsx tools/helm.ts` prints the binary's path.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, which } from './stack/install';

export const HELM_VERSION = '3.22.0';
const HELM_MODULE = 'helm.sh/helm/v3/cmd/helm';
/** The Kubernetes version helm 3.22's release build assumes (its client-go is v0.37). */
const KUBE_VERSION = { major: '1', minor: '37' };

/**
 * The release Makefile's -X flags: without them `helm version` says "v3.22" and `helm template`
 * and `helm lint` assume Kubernetes 1.20, so charts would be checked against a stale API set.
 */
function releaseLdflags(): string {
  const flags = [`helm.sh/helm/v3/internal/version.version=v${HELM_VERSION}`];
  for (const pkg of ['pkg/chartutil', 'pkg/lint/rules']) {
    flags.push(`helm.sh/helm/v3/${pkg}.k8sVersionMajor=${KUBE_VERSION.major}`);
    flags.push(`helm.sh/helm/v3/${pkg}.k8sVersionMinor=${KUBE_VERSION.minor}`);
  }
  return ['-s', '-w', ...flags.map((flag) => `-X ${flag}`)].join(' ');
}

function findGo(): string | undefined {
  return which('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/** How long a build may hold the lock before another process takes it over as stale. */
const STALE_LOCK_MS = 15 * 60_000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Takes the build lock (a directory: mkdir is atomic), or waits while another process builds.
 * Returns false when the other process produced the binary meanwhile.
 */
function lockOrWait(lock: string, binary: string): boolean {
  for (;;) {
    try {
      mkdirSync(lock);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (existsSync(binary)) return false;
    try {
      if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true });
    } catch {
      // released meanwhile; try again
    }
    sleepSync(1000);
  }
}

/**
 * The path of a helm v3.22.0 binary, building it with Go on first use. Parallel callers (test
 * workers) build it once: one builds, the others wait for it.
 */
export function ensureHelm(): string {
  const bin = join(cacheDir(), 'bin');
  const binary = join(bin, `helm-${HELM_VERSION}`);
  if (existsSync(binary)) return binary;
  const go = findGo();
  if (!go) {
    throw new Error(`helm v${HELM_VERSION} must be built with Go, and no go binary was found`);
  }
  mkdirSync(bin, { recursive: true });
  const lock = `${binary}.lock`;
  if (!lockOrWait(lock, binary)) return binary;
  // go install into a private GOBIN, then rename: no one ever sees a half-written binary.
  const staging = mkdtempSync(join(bin, '.helm-'));
  try {
    if (existsSync(binary)) return binary;
    process.stderr.write(
      `helm: building v${HELM_VERSION} with Go (once per machine; a few minutes)\n`,
    );
    execFileSync(
      go,
      ['install', '-trimpath', `-ldflags=${releaseLdflags()}`, `${HELM_MODULE}@v${HELM_VERSION}`],
      {
        env: { ...process.env, GOBIN: staging, CGO_ENABLED: '0' },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    renameSync(join(staging, 'helm'), binary);
  } finally {
    rmSync(staging, { recursive: true, force: true });
    rmSync(lock, { recursive: true, force: true });
  }
  return binary;
}

if (require.main === module) {
  process.stdout.write(`${ensureHelm()}\n`);
}
