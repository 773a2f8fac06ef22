/**
 * Names of imported jobs: `<host>-<file>-<command words>`, slugged to the job-name pattern
 * (src/jobs/job.model.ts), made unique in input order with `-2`, `-3`, ... The same files in the
 * same order always give the same names.
 */
import { isValidJobName } from '../../jobs/job.model';

/** Room left for a `-NNN` suffix under the 128-character limit. */
const MAX_BASE = 120;
const MAX_WORDS = 3;

/** Words that say nothing about what a command does. */
const FILLER = new Set([
  '[',
  ']',
  '[[',
  ']]',
  '!',
  'test',
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'do',
  'done',
  'while',
  'until',
  'for',
  'in',
  'case',
  'esac',
  'cd',
  'command',
  'exec',
  'env',
  'nice',
  'ionice',
  'nohup',
  'sudo',
  'true',
  'false',
  'null',
  'sh',
  'bash',
  'usr',
  'bin',
  'sbin',
]);

export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/-{2,}/g, '-')
    .replace(/^[-._]+|[-._]+$/g, '');
}

/** Up to three telling words of a command: program names without their directories. */
export function commandWords(command: string): string[] {
  const words: string[] = [];
  // Redirections and their targets (`> /dev/null`, `2>&1`), then shell punctuation, go first.
  const plain = command
    .replace(/\d*[<>]+&?\s*\S+/g, ' ')
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, ' ')
    .replace(/[;&|()`"'{}=]/g, ' ');
  for (const token of plain.split(/\s+/)) {
    if (token === '' || token.startsWith('-')) continue;
    const name = slug(
      token
        .split('/')
        .filter((part) => part !== '')
        .pop() ?? '',
    );
    if (name === '' || /^\d+$/.test(name) || FILLER.has(name) || words.includes(name)) continue;
    words.push(name);
    if (words.length === MAX_WORDS) break;
  }
  return words;
}

/** The name before deduplication: host, file base name and command words, slugged. */
export function jobNameBase(host: string | undefined, path: string, command: string): string {
  const file =
    path
      .split('/')
      .filter((part) => part !== '')
      .pop() ?? 'crontab';
  const parts = [host, file.replace(/\.(crontab|cron)$/i, ''), ...commandWords(command)]
    .filter((part): part is string => part !== undefined)
    .map(slug)
    .filter((part) => part !== '');
  let base = parts
    .join('-')
    .slice(0, MAX_BASE)
    .replace(/[-._]+$/, '');
  if (!isValidJobName(base)) base = `crontab${base === '' ? '' : `-${base}`}`.slice(0, MAX_BASE);
  return isValidJobName(base) ? base : 'crontab';
}

/** Each base as is the first time, then with `-2`, `-3`, ... (skipping names already taken). */
export function uniqueNames(bases: readonly string[]): string[] {
  const taken = new Set<string>();
  return bases.map((base) => {
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
    taken.add(name);
    return name;
  });
}
