/**
 * Finds Debian's chromium for the console's browser tests, installing the package when it is
 * missing (`npx playwright install` cannot download a browser here).
 */
import { spawnSync } from 'node:child_process';
import { which } from './stack/install';

/** The flags the console tests launch chromium with (besides a fresh --user-data-dir). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function findChromium(): string | undefined {
  return which('chromium') ?? which('chromium-browser');
}

/** The chromium binary, after `apt-get install -y chromium` (as root, or with `sudo -n`) if needed. */
export function ensureChromium(): string {
  const found = findChromium();
  if (found) return found;
  const prefix = process.getuid?.() === 0 ? [] : which('sudo') ? ['sudo', '-n'] : undefined;
  if (!prefix) throw new Error('chromium is missing and cannot be installed: not root and no sudo');
  const run = (args: string[]): void => {
    const [command, ...rest] = [...prefix, ...args];
    process.stderr.write(`chromium: ${args.join(' ')}\n`);
    const result = spawnSync(command, rest, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (result.status !== 0) throw new Error(`'${args.join(' ')}' failed (exit ${result.status})`);
  };
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'chromium']);
  const installed = findChromium();
  if (!installed) throw new Error('package chromium installed but no chromium binary found');
  return installed;
}
