/**
 * The files `apply -f` reads: a file as named (whatever its extension), or every *.yaml, *.yml
 * and *.json below a directory, recursively, in sorted path order so runs are deterministic.
 * Hidden entries (`.git`) are skipped.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../cli-error';
import type { SourceFile } from './documents';

const JOB_FILE = /\.(ya?ml|json)$/i;

function walk(dir: string, into: string[]): void {
  const entries = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith('.'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, into);
    else if (entry.isFile() && JOB_FILE.test(entry.name)) into.push(path);
  }
}

/** The paths of the job files under `paths`, each once, in the order given then sorted. */
export function jobFilePaths(paths: string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new CliError(`${path}: no such file or directory`);
    }
    if (isDir) {
      const found: string[] = [];
      walk(path, found);
      if (found.length === 0) throw new CliError(`${path}: no *.yaml, *.yml or *.json files`);
      out.push(...found);
    } else out.push(path);
  }
  return [...new Set(out)];
}

export function readJobFiles(paths: string[]): SourceFile[] {
  return jobFilePaths(paths).map((path) => {
    try {
      return { path, text: readFileSync(path, 'utf8') };
    } catch (error) {
      throw new CliError(`${path}: cannot read: ${(error as Error).message}`);
    }
  });
}
