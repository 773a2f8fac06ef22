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

/**
 * Up to three telling words of a command: program names without their directories, skipping
 * quoted text, `$(...)`, variables, assignments, redirections, options, the paths tested by
 * `-x`/`-d`/... (`[ -x /usr/bin/tool ] && tool` names it once, by its run) and `skip` words.
 */
export function commandWords(command: string, skip: readonly string[] = []): string[] {
  const words: string[] = [];
  const plain = command
    .replace(/'[^']*'|"[^"]*"|`[^`]*`/g, ' ')
    .replace(/\$\([^)]*\)/g, ' ')
    .replace(/\d*[<>]+&?\s*[^\s;&|)]+/g, ' ')
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, ' ')
    .replace(/(^|\s)[A-Za-z_][A-Za-z0-9_]*=\S*/g, ' ')
    .replace(/[;&|(){}=\\]/g, ' ');
  let tested = false;
  for (const token of plain.split(/\s+/)) {
    const afterTest = tested;
    tested = /^-[a-zA-Z]$/.test(token);
    if (token === '' || token.startsWith('-') || (afterTest && token.includes('/'))) continue;
    const name = slug(
      token
        .split('/')
        .filter((part) => part !== '')
        .pop() ?? '',
    );
    if (name === '' || /^\d+$/.test(name) || FILLER.has(name)) continue;
    if (words.includes(name) || skip.includes(name)) continue;
    words.push(name);
    if (words.length === MAX_WORDS) break;
  }
  return words;
}

/** The name before deduplication: host, file base name and command words, slugged. */
export function jobNameBase(host: string | undefined, path: string, command: string): string {
  const last =
    path
      .split('/')
      .filter((part) => part !== '')
      .pop() ?? 'crontab';
  const file = slug(last.replace(/\.(crontab|cron)$/i, ''));
  const parts = [host, file, ...commandWords(command, [file])]
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
