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
  return buildNative(SOURCE, SPAWNER_BINARY);
}

/**
 * Compiles one C source to `binary` unless the binary is newer than the source; into place by
 * rename, so a process running the old binary keeps it and none sees half a file.
 */
export function buildNative(source: string, binary: string): string {
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  mkdirSync(dirname(binary), { recursive: true });
  const flags = ['-std=c11', '-O2', '-Wall', '-Wextra', '-D_FORTIFY_SOURCE=2'];
  const scratch = `${binary}.${process.pid}`;
  execFileSync(ensureCCompiler(), [...flags, '-o', scratch, source], { stdio: 'inherit' });
  renameSync(scratch, binary);
  return binary;
}

if (require.main === module) buildServer();
