#!/usr/bin/env node
'use strict';
/**
 * The `cronplane` command. Runs the compiled CLI (dist/cli/main.js) when it is there and not
 * older than its sources; in a checkout without a build (or with a stale one) it runs the
 * TypeScript sources through tsx. The image has only dist/, so it always takes the first path.
 */
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const compiled = join(root, 'dist', 'cli', 'main.js');
const sources = join(root, 'src', 'cli');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function useCompiled() {
  if (!existsSync(compiled)) return false;
  if (!existsSync(sources)) return true;
  let tsx = true;
  try {
    require.resolve('tsx/cjs/api', { paths: [root] });
  } catch {
    tsx = false;
  }
  return !tsx || statSync(compiled).mtimeMs >= newestSource(sources);
}

let cli;
if (useCompiled()) {
  cli = require(compiled);
} else if (existsSync(join(sources, 'main.ts'))) {
  require(require.resolve('tsx/cjs/api', { paths: [root] })).register();
  cli = require(join(sources, 'main.ts'));
} else {
  process.stderr.write('cronplane: not built: run `npm run build` (or `npm ci` for tsx)\n');
  process.exit(1);
}
cli.run(process.argv).then(cli.exitAfterFlush);
