/**
 * Builds the server into dist/: TypeScript (tsc), and the native spawner (native/spawner.c →
 * dist/bin/cronplane-spawner, compiled unless the binary is newer than its source; a C compiler is
 * installed on Debian when there is none, as the stack's other binaries are). `npm run build`,
 * the test setups and the benchmark all build through here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SPAWNER_BINARY } from '../src/executor/spawner-binary';
import { ensureCCompiler } from './stack/install';

const ROOT = resolve(__dirname, '..');
const SOURCE = join(ROOT, 'native', 'spawner.c');

export function buildServer(): void {
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    { cwd: ROOT, stdio: 'inherit' },
  );
  buildSpawner();
}

export function buildSpawner(): string {
  if (existsSync(SPAWNER_BINARY) && statSync(SPAWNER_BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) {
    return SPAWNER_BINARY;
  }
  mkdirSync(dirname(SPAWNER_BINARY), { recursive: true });
  const flags = ['-std=c11', '-O2', '-Wall', '-Wextra', '-D_FORTIFY_SOURCE=2'];
  // Into place by rename: a spawner running from the old binary keeps it, none sees half a file.
  const scratch = `${SPAWNER_BINARY}.${process.pid}`;
  execFileSync(ensureCCompiler(), [...flags, '-o', scratch, SOURCE], { stdio: 'inherit' });
  renameSync(scratch, SPAWNER_BINARY);
  return SPAWNER_BINARY;
}

if (require.main === module) buildServer();
