#!/usr/bin/env node
/**
 * Runs before `npm run dev`, `npm test` and the other scripts (npm's `pre` hooks), in plain Node
 * because nothing else may be installed yet: checks the Node.js version, then installs the npm
 * dependencies with `npm ci` when `node_modules` is missing or older than `package-lock.json`.
 * npm writes `node_modules/.package-lock.json` at the end of every install, so its time says
 * when the tree was last installed.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import process from 'node:process';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MIN_NODE_MAJOR = 20;

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Why the dependencies must be installed, or undefined when they are current. */
function installReason() {
  const installed = mtime(join(ROOT, 'node_modules', '.package-lock.json'));
  if (installed === undefined) return 'node_modules is missing';
  const lock = mtime(join(ROOT, 'package-lock.json'));
  if (lock !== undefined && lock > installed) return 'package-lock.json is newer than node_modules';
  return undefined;
}

function main() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < MIN_NODE_MAJOR) {
    process.stderr.write(
      `cronplane: Node.js ${MIN_NODE_MAJOR} or newer is needed, this is ${process.version}\n`,
    );
    process.exit(1);
  }
  const reason = installReason();
  if (reason === undefined) return;
  process.stderr.write(`cronplane: ${reason}; installing the npm dependencies (npm ci)\n`);
  // npm_execpath is the npm that runs this hook; fall back to the one on PATH.
  const npm = process.env.npm_execpath;
  const [cmd, args] = npm
    ? [process.execPath, [npm, 'ci', '--no-audit', '--no-fund']]
    : ['npm', ['ci', '--no-audit', '--no-fund']];
  const result = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write('cronplane: npm ci failed; see its output above\n');
    process.exit(result.status ?? 1);
  }
}

main();
