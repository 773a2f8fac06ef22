/**
 * Turns parsed crontabs into job documents (the fields of POST /api/v1/jobs, the format
 * `cronplane apply -f` reads), and says what cannot be carried over and why. Pure: no files,
 * no server. The rules are documented in docs/import-crontab.md; keep the two together.
 */
import { CronSyntaxError, isValidTimezone, parseSchedule } from '../../cron/schedule';
import { MAX_COMMAND_BYTES, MAX_STDIN_BYTES, SHELL_PATH_PATTERN } from '../../jobs/job-input';
import {
  CrontabEntry,
  CrontabFormat,
  CrontabProblem,
  parseCrontab,
  ProblemSeverity,
} from './crontab-parser';
import { jobNameBase, uniqueNames } from './job-names';

/** The label key `--host` sets; a worker gets it from `WORKER_LABELS=host=<name>`. */
export const HOST_LABEL = 'host';

/** Variables that steer cron itself rather than the command; they do not go into `env`. */
const CRON_ONLY = new Set(['MAILTO', 'CRON_TZ']);
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** Set by the worker for every run (src/scheduler/run-env.ts), over the job's own env. */
const RUN_VARIABLES = ['CRON_JOB', 'CRON_NAMESPACE', 'CRON_RUN_ID', 'CRON_TICK', 'CRON_ATTEMPT'];
/** The API's limit on a label value. */
const MAX_LABEL_VALUE = 63;

export interface CrontabFile {
  /** As given on the command line; its base name goes into job names. */
  path: string;
  text: string;
  format: CrontabFormat;
}

export interface ImportOptions {
  /** Becomes `target.labels.host`. */
  host?: string;
  /** The zone of schedules without CRON_TZ; UTC when absent (reported once). */
  timezone?: string;
  /** The Unix user the workers run as: lines for any other user cannot be carried over. */
  workerUser: string;
  /** Whose `crontab -l` a user-format file is; by default the worker's user. */
  crontabUser?: string;
  /** Whether the cluster has an email alert channel for MAILTO (today: never). */
  emailChannel?: boolean;
}

/** A job document: exactly the fields POST /api/v1/jobs takes. */
export interface JobDocument {
  name: string;
  description: string;
  cronExpr: string;
  timezone: string;
  command: string;
  shell?: string;
  stdin?: string;
  env: Record<string, string>;
  target: { labels: Record<string, string>; mode: 'one' };
  concurrencyPolicy: 'allow';
  misfirePolicy: 'skip';
}

export interface ImportedJob {
  file: string;
  line: number;
  /** The crontab line it came from. */
  text: string;
  job: JobDocument;
}

export interface ImportProblem extends CrontabProblem {
  /** Empty for problems with the options rather than a file. */
  file: string;
}

export interface ImportResult {
  jobs: ImportedJob[];
  problems: ImportProblem[];
  /** True when any problem is an error: then nothing may be created. */
  failed: boolean;
}

/** The problem as one line: `FILE:LINE: error: reason`. */
export function problemLine(problem: ImportProblem): string {
  const where = problem.file === '' ? '' : `${problem.file}:${problem.line}: `;
  return `${where}${problem.severity}: ${problem.reason}`;
}

export function importCrontabs(
  files: readonly CrontabFile[],
  options: ImportOptions,
  now = Date.now(),
): ImportResult {
  const problems: ImportProblem[] = [];
  const add = (file: string, line: number, severity: ProblemSeverity, reason: string): void => {
    problems.push({ file, line, severity, reason });
  };
  if (options.timezone !== undefined && !isValidTimezone(options.timezone)) {
    add('', 0, 'error', `--timezone "${options.timezone}" is not an IANA time zone`);
  }
  if (options.host !== undefined && !validLabelValue(options.host)) {
    add(
      '',
      0,
      'error',
      `--host "${options.host}" must be 1-${MAX_LABEL_VALUE} printable characters`,
    );
  }
  const drafts: Array<Omit<ImportedJob, 'job'> & { job: Omit<JobDocument, 'name'>; base: string }> =
    [];
  let zoneDefaulted = false;
  for (const file of files) {
    const parsed = parseCrontab(file.text, file.format);
    for (const problem of parsed.problems) problems.push({ file: file.path, ...problem });
    for (const assignment of parsed.assignments) {
      const problem = assignmentProblem(assignment.name, assignment.value, options);
      if (problem) add(file.path, assignment.line, problem.severity, problem.reason);
    }
    for (const entry of parsed.entries) {
      const converted = convertEntry(entry, file, options, now);
      if ('error' in converted) {
        add(file.path, entry.line, 'error', converted.error);
        continue;
      }
      for (const warning of converted.warnings) add(file.path, entry.line, 'warning', warning);
      if (entry.env.CRON_TZ === undefined && options.timezone === undefined) zoneDefaulted = true;
      drafts.push({
        file: file.path,
        line: entry.line,
        text: entry.text,
        job: converted.job,
        base: jobNameBase(options.host, file.path, entry.command),
      });
    }
  }
  if (zoneDefaulted) {
    add(
      '',
      0,
      'warning',
      'no --timezone and no CRON_TZ: schedules are read in UTC (cron uses the host’s local zone)',
    );
  }
  const names = uniqueNames(drafts.map((draft) => draft.base));
  const jobs = drafts.map(({ base, ...draft }, i) => {
    void base;
    return { ...draft, job: { name: names[i], ...draft.job } };
  });
  // By file (in the given order), then line: the order a reader goes through them.
  const order = new Map(files.map((file, i) => [file.path, i + 1]));
  problems.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line);
  return { jobs, problems, failed: problems.some((p) => p.severity === 'error') };
}

function validLabelValue(value: string): boolean {
  return value.length >= 1 && value.length <= MAX_LABEL_VALUE && /^[\x21-\x7e]+$/.test(value);
}

/** What a `NAME=value` line itself cannot do, or a warning it deserves. */
function assignmentProblem(
  name: string,
  value: string,
  options: ImportOptions,
): { severity: ProblemSeverity; reason: string } | undefined {
  if (name === 'MAILTO') {
    if (value === '' || options.emailChannel) return undefined;
    return {
      severity: 'warning',
      reason: `MAILTO=${value}: cronplane has no email alert channel, so failures of the jobs below are not mailed; they raise the job's webhook alerts instead`,
    };
  }
  if (name === 'CRON_TZ') {
    return isValidTimezone(value)
      ? undefined
      : { severity: 'error', reason: `CRON_TZ=${value} is not an IANA time zone` };
  }
  if (name === 'SHELL' && !SHELL_PATH_PATTERN.test(value)) {
    return {
      severity: 'error',
      reason: `SHELL=${value}: a job's shell must be an absolute path (no spaces), such as /bin/bash`,
    };
  }
  if (!ENV_KEY.test(name)) {
    return {
      severity: 'error',
      reason: `variable name "${name}" cannot be passed to a job (letters, digits and _, not starting with a digit)`,
    };
  }
  if (RUN_VARIABLES.includes(name)) {
    return {
      severity: 'warning',
      reason: `${name}: cronplane sets this variable for every run (${RUN_VARIABLES.join(', ')}), so the crontab's value is replaced`,
    };
  }
  return undefined;
}

type Converted = { job: Omit<JobDocument, 'name'>; warnings: string[] } | { error: string };

function convertEntry(
  entry: CrontabEntry,
  file: CrontabFile,
  options: ImportOptions,
  now: number,
): Converted {
  const warnings: string[] = [];
  const user = file.format === 'system' ? entry.user : (options.crontabUser ?? options.workerUser);
  if (user !== options.workerUser) {
    return {
      error: `runs as user "${user}", but the worker runs as "${options.workerUser}" and a job has no user of its own; import it for a worker running as "${user}" (--worker-user ${user}), or change the line`,
    };
  }
  const schedule = cronExprOf(entry);
  if ('error' in schedule) return schedule;
  const timezone = entry.env.CRON_TZ ?? options.timezone ?? 'UTC';
  if (!isValidTimezone(timezone)) return { error: `time zone "${timezone}" is unknown` };
  try {
    parseSchedule(schedule.cronExpr, { timezone, now });
  } catch (error) {
    if (!(error instanceof CronSyntaxError)) throw error;
    return { error: `schedule "${schedule.cronExpr}" cannot be a job: ${error.message}` };
  }
  if (Buffer.byteLength(entry.command, 'utf8') > MAX_COMMAND_BYTES) {
    return { error: `the command is longer than ${MAX_COMMAND_BYTES} bytes` };
  }
  if (entry.command.trim() === '') {
    return { error: 'the command before the first % is empty' };
  }
  if (entry.stdin !== undefined && Buffer.byteLength(entry.stdin, 'utf8') > MAX_STDIN_BYTES) {
    return { error: `the standard input after % is longer than ${MAX_STDIN_BYTES} bytes` };
  }
  const env = Object.fromEntries(
    Object.entries(entry.env).filter(([name]) => !CRON_ONLY.has(name)),
  );
  const shell = entry.env.SHELL;
  const where = `${file.path} line ${entry.line}`;
  return {
    job: {
      // In the order `cronplane export` writes job files (src/cli/jobs-as-code/job-fields.ts).
      description: `Imported from ${where}${options.host ? ` on ${options.host}` : ''}`,
      command: entry.command,
      ...(shell !== undefined ? { shell } : {}),
      ...(entry.stdin !== undefined ? { stdin: entry.stdin } : {}),
      cronExpr: schedule.cronExpr,
      timezone,
      // cron starts a run even while the previous one still runs, and never catches up.
      concurrencyPolicy: 'allow',
      misfirePolicy: 'skip',
      target: { labels: options.host ? { [HOST_LABEL]: options.host } : {}, mode: 'one' },
      env,
    },
    warnings,
  };
}

/**
 * The job's expression for an entry, the same fire times as cron's: macros as they are (the
 * engine knows them all), fields as written with names as numbers, and cron's day rule checked.
 */
function cronExprOf(entry: CrontabEntry): { cronExpr: string } | { error: string } {
  if (entry.schedule.kind === 'macro') {
    if (entry.schedule.macro === '@reboot') {
      return {
        error:
          '@reboot: cronplane has no "host started" event, so this cannot be a job; run it from the host’s init system (a systemd unit) instead',
      };
    }
    return { cronExpr: entry.schedule.macro };
  }
  const [minute, hour, dom, month, dow] = entry.schedule.fields;
  const days = dayFields(dom, dow);
  if ('error' in days) return days;
  return { cronExpr: [minute, hour, days.dom, month, days.dow].join(' ') };
}

/**
 * cron's day rule, as Vixie cron implements it: when either day field *starts with* `*`, a day
 * must match both fields; otherwise a day matching either fires. The engine (cron-parser and
 * utc-cron) reads only a field that *is* `*` as unrestricted and ORs two restricted fields. So
 * `*` alone agrees, two fields without a leading `*` agree (OR), and a field such as `*\/2`
 * beside a restricted other field disagrees: cron ANDs them. That is converted when the starred
 * field covers every day (it is then `*`), and refused otherwise, since an AND of the two cannot
 * be written as one expression the engine reads the same way.
 */
function dayFields(dom: string, dow: string): { dom: string; dow: string } | { error: string } {
  const domStar = dom.startsWith('*');
  const dowStar = dow.startsWith('*');
  if (dom === '*' || dow === '*' || (!domStar && !dowStar)) return { dom, dow };
  // Here both are restricted for the engine (neither is exactly `*`) and cron ANDs them.
  const fullDom = domStar && coversAll(dom, 1, 31);
  const fullDow = dowStar && coversAll(dow, 0, 6);
  if (fullDom) return { dom: '*', dow };
  if (fullDow) return { dom, dow: '*' };
  return {
    error: `day of month "${dom}" and day of week "${dow}": cron fires only on days matching both (a day field starting with * makes it AND), while cronplane fires on days matching either; write it as two lines or fold one field into the other`,
  };
}

/** Whether a field starting with `*` (such as `*\/1` or `*,5`) selects every value min..max. */
function coversAll(field: string, min: number, max: number): boolean {
  const seen = new Set<number>();
  for (const element of field.split(',')) {
    const [range, stepText] = element.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let from: number;
    let to: number;
    if (range === '*') {
      from = min;
      to = max;
    } else {
      const [a, b] = range.split('-').map(Number);
      from = a;
      to = b ?? a;
    }
    for (let v = from; v <= to; v += step) seen.add(v === 7 && max === 6 ? 0 : v);
  }
  for (let v = min; v <= max; v++) if (!seen.has(v)) return false;
  return true;
}
