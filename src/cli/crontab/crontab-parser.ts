/**
 * Reads crontab text the way Debian's cron (Vixie cron 3.0) does, without judging what can be
 * carried over (that is to-jobs.ts): comments, blank lines, `NAME=value` lines, the `@` macros,
 * five time fields (numbers, `*`, ranges, steps, lists, month and weekday names), the user field
 * of the system format, and `%` in commands. Pure: text in, entries and problems out.
 */

/** `user`: `crontab -l` output. `system`: /etc/crontab and /etc/cron.d/*, with a user field. */
export type CrontabFormat = 'user' | 'system';

export type ProblemSeverity = 'error' | 'warning';

export interface CrontabProblem {
  line: number;
  severity: ProblemSeverity;
  reason: string;
}

/** One `NAME=value` line, in file order (each applies to the entries after it). */
export interface EnvAssignment {
  line: number;
  name: string;
  value: string;
}

export type CrontabSchedule =
  /** The five fields with names replaced by numbers: minute hour day-of-month month day-of-week. */
  | { kind: 'fields'; fields: [string, string, string, string, string] }
  /** `@daily` and the others, lower-cased; `@reboot` included (the converter refuses it). */
  | { kind: 'macro'; macro: string };

export interface CrontabEntry {
  line: number;
  /** The line as written. */
  text: string;
  schedule: CrontabSchedule;
  /** The system format's user field. */
  user?: string;
  /** What the shell runs: the text before the first unescaped `%`, with `\%` as `%`. */
  command: string;
  /** The text after the first unescaped `%`, with `%` as newline and `\%` as `%`. */
  stdin?: string;
  /** The variables set above this line, later lines overriding earlier ones. */
  env: Record<string, string>;
  /** Line numbers of those variables' lines, by name. */
  envLines: Record<string, number>;
}

export interface ParsedCrontab {
  entries: CrontabEntry[];
  assignments: EnvAssignment[];
  problems: CrontabProblem[];
}

export const CRON_MACROS = [
  '@reboot',
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
] as const;

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const FIELD_RULES: readonly FieldRule[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  // Month names count from 1; weekday names from 0 (sun), and 7 is Sunday too.
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: WEEKDAYS },
];

/** `NAME = value`, the name possibly quoted, as cron's load_env reads it. */
const ENV_LINE = /^("[^"]*"|'[^']*'|[^\s=]+)\s*=(.*)$/;

export function parseCrontab(text: string, format: CrontabFormat): ParsedCrontab {
  const entries: CrontabEntry[] = [];
  const assignments: EnvAssignment[] = [];
  const problems: CrontabProblem[] = [];
  const env: Record<string, string> = {};
  const envLines: Record<string, number> = {};
  const lines = text.split('\n');
  // A final newline ends the last line; it does not start another.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let carriageReturns = 0;
  lines.forEach((raw, index) => {
    const line = index + 1;
    let content = raw;
    if (content.endsWith('\r')) {
      carriageReturns += 1;
      content = content.slice(0, -1);
      if (carriageReturns === 1) {
        problems.push({
          line,
          severity: 'warning',
          reason:
            'DOS line ending (\\r\\n): the \\r is dropped (cron would keep it in the command)',
        });
      }
    }
    const trimmed = content.replace(/^[ \t]+/, '');
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const assignment = ENV_LINE.exec(trimmed);
    if (assignment) {
      const name = unquote(assignment[1]);
      const value = unquote(assignment[2].trim());
      assignments.push({ line, name, value });
      env[name] = value;
      envLines[name] = line;
      return;
    }
    const parsed = parseEntry(trimmed, format);
    if ('error' in parsed) {
      problems.push({ line, severity: 'error', reason: parsed.error });
      return;
    }
    const { command, stdin } = splitPercent(parsed.command);
    entries.push({
      line,
      text: content,
      schedule: parsed.schedule,
      ...(parsed.user !== undefined ? { user: parsed.user } : {}),
      command,
      ...(stdin !== undefined ? { stdin } : {}),
      env: { ...env },
      envLines: { ...envLines },
    });
  });
  return { entries, assignments, problems };
}

/** Strips one pair of matching quotes around the whole text, as cron does. */
function unquote(text: string): string {
  if (text.length >= 2 && (text[0] === '"' || text[0] === "'") && text.endsWith(text[0])) {
    return text.slice(1, -1);
  }
  return text;
}

type ParsedEntry =
  { schedule: CrontabSchedule; user?: string; command: string } | { error: string };

/** Cuts `count` blank-separated words off the front of `text`; the rest keeps its own spacing. */
function takeWords(text: string, count: number): { words: string[]; rest: string } {
  const words: string[] = [];
  let rest = text;
  for (let i = 0; i < count; i++) {
    const match = /^[ \t]*([^ \t]+)/.exec(rest);
    if (!match) break;
    words.push(match[1]);
    rest = rest.slice(match[0].length);
  }
  return { words, rest: rest.replace(/^[ \t]+/, '') };
}

function parseEntry(text: string, format: CrontabFormat): ParsedEntry {
  const userWords = format === 'system' ? 1 : 0;
  if (text.startsWith('@')) {
    const taken = takeWords(text, 1 + userWords);
    const macro = taken.words[0].toLowerCase();
    if (!(CRON_MACROS as readonly string[]).includes(macro)) {
      return { error: `unknown macro ${taken.words[0]}; cron knows ${CRON_MACROS.join(' ')}` };
    }
    return finish({ kind: 'macro', macro }, taken.words.slice(1), taken.rest, format);
  }
  const taken = takeWords(text, 5 + userWords);
  if (taken.words.length < 5) {
    return { error: 'expected five time fields (minute hour day-of-month month day-of-week)' };
  }
  const fields: string[] = [];
  for (let i = 0; i < 5; i++) {
    const field = parseField(taken.words[i], FIELD_RULES[i]);
    if ('error' in field) return field;
    fields.push(field.text);
  }
  const schedule: CrontabSchedule = {
    kind: 'fields',
    fields: fields as [string, string, string, string, string],
  };
  return finish(schedule, taken.words.slice(5), taken.rest, format);
}

function finish(
  schedule: CrontabSchedule,
  userWords: string[],
  command: string,
  format: CrontabFormat,
): ParsedEntry {
  if (format === 'system' && userWords.length === 0) {
    return { error: 'expected a user and a command after the schedule (system crontab format)' };
  }
  if (command.trim() === '') {
    return {
      error:
        format === 'system'
          ? 'no command after the user field'
          : 'no command after the schedule (a system crontab? pass --system)',
    };
  }
  return { schedule, ...(format === 'system' ? { user: userWords[0] } : {}), command };
}

/** Checks one time field and writes it with numbers for names; names keep cron's limits. */
function parseField(text: string, rule: FieldRule): { text: string } | { error: string } {
  const bad = (why: string): { error: string } => ({
    error: `bad ${rule.name} field "${text}": ${why}`,
  });
  const parts: string[] = [];
  for (const element of text.split(',')) {
    const match = /^([^/]+)(?:\/(.*))?$/.exec(element);
    if (!match) return bad('empty list element');
    const [, range, step] = match;
    let written: string;
    if (range === '*') {
      written = '*';
    } else {
      const ends = range.split('-');
      if (ends.length > 2) return bad(`"${range}" is not a number or a range`);
      const values: number[] = [];
      for (const end of ends) {
        const value = numberOf(end, rule);
        if (value === undefined) {
          return bad(`"${end}" is not a number from ${rule.min} to ${rule.max}${nameHint(rule)}`);
        }
        values.push(value);
      }
      if (values.length === 2 && values[0] > values[1]) {
        return bad(`the range ${range} runs backwards`);
      }
      if (values.length === 1 && step !== undefined) {
        return bad('a step needs a range or * before it (cron reads N/step as an error)');
      }
      written = values.join('-');
    }
    if (step !== undefined) {
      if (!/^\d+$/.test(step) || Number(step) < 1 || Number(step) > rule.max + 1) {
        return bad(`step "${step}" is not a number from 1 to ${rule.max + 1}`);
      }
      written += `/${Number(step)}`;
    }
    parts.push(written);
  }
  return { text: parts.join(',') };
}

function numberOf(text: string, rule: FieldRule): number | undefined {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    return value >= rule.min && value <= rule.max ? value : undefined;
  }
  const index = rule.names?.indexOf(text.toLowerCase()) ?? -1;
  if (index < 0) return undefined;
  return rule.names === MONTHS ? index + 1 : index;
}

function nameHint(rule: FieldRule): string {
  if (!rule.names) return '';
  return ` or a name ${rule.names[0]}-${rule.names[rule.names.length - 1]}`;
}

/**
 * cron's `%`, as Vixie cron's do_command does it: the first unescaped `%` ends the command and
 * the rest is its standard input, where each further unescaped `%` is a newline. A backslash
 * escapes the character after it: `\%` is a literal `%` on both sides, and any other escaped
 * character stays as written, backslash included (for the shell).
 */
export function splitPercent(text: string): { command: string; stdin?: string } {
  let command = '';
  let escaped = false;
  let i = 0;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (escaped) {
      command = ch === '%' ? `${command.slice(0, -1)}%` : command + ch;
      escaped = false;
    } else if (ch === '%') {
      break;
    } else {
      escaped = ch === '\\';
      command += ch;
    }
  }
  if (i >= text.length) return { command };
  let stdin = '';
  escaped = false;
  for (i += 1; i < text.length; i++) {
    let ch = text[i];
    if (escaped) {
      if (ch !== '%') stdin += '\\';
    } else if (ch === '%') {
      ch = '\n';
    }
    escaped = ch === '\\';
    if (!escaped) stdin += ch;
  }
  return { command, stdin };
}
