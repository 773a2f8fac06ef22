/**
 * `cronplane import crontab FILE...`: crontabs become jobs (docs/import-crontab.md). Without
 * `--apply` it prints the job file and talks to no server; with `--apply` it creates the jobs
 * through the API, all or none. Any line that cannot be carried over stops both: the problems
 * are printed one per line (`FILE:LINE: error: reason`) and nothing is written or created.
 */
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { ApiError } from '../api-client';
import { CliError } from '../cli-error';
import type { CommandContext } from '../command-context';
import { CrontabFormat } from './crontab-parser';
import { JOB_FILE_FORMATS, JobFileFormat, renderJobFile } from './job-file';
import { CrontabFile, ImportedJob, importCrontabs, problemLine } from './to-jobs';

interface ImportFlags {
  host?: string;
  timezone?: string;
  system?: boolean;
  userCrontab?: boolean;
  workerUser: string;
  owner?: string;
  dryRun?: boolean;
  apply?: boolean;
  output: JobFileFormat;
}

/** System format for /etc/crontab and files in a `cron.d` folder; user format otherwise. */
export function formatOf(
  path: string,
  flags: Pick<ImportFlags, 'system' | 'userCrontab'>,
): CrontabFormat {
  if (flags.system) return 'system';
  if (flags.userCrontab) return 'user';
  const parts = path.split('/').filter((part) => part !== '');
  const isEtcCrontab = parts.length >= 2 && parts.slice(-2).join('/') === 'etc/crontab';
  const inCronD = parts.length >= 2 && parts[parts.length - 2] === 'cron.d';
  return isEtcCrontab || inCronD ? 'system' : 'user';
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readCrontabs(paths: string[], flags: ImportFlags): Promise<CrontabFile[]> {
  return Promise.all(
    paths.map(async (path) => {
      try {
        const text = path === '-' ? await readStdin() : await readFile(path, 'utf8');
        // `-` is `crontab -l` piped in: a user crontab unless --system says otherwise.
        return { path: path === '-' ? 'crontab' : path, text, format: formatOf(path, flags) };
      } catch (error) {
        throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
      }
    }),
  );
}

/** At most five names, then how many more. */
function listed(names: string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}

async function exists(ctx: CommandContext, name: string): Promise<boolean> {
  try {
    await ctx.client().request('GET', `/api/v1/jobs/${encodeURIComponent(name)}`);
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return false;
    throw error;
  }
}

/** Creates every job or none: names are checked first, and a failed create undoes the others. */
async function createAll(ctx: CommandContext, jobs: ImportedJob[], dryRun: boolean): Promise<void> {
  const taken: string[] = [];
  for (const { job } of jobs) if (await exists(ctx, job.name)) taken.push(job.name);
  if (taken.length > 0) {
    throw new CliError(
      `jobs already exist: ${listed(taken)}; nothing was created (delete them, or import with another --host)`,
    );
  }
  if (dryRun) {
    for (const { job } of jobs) ctx.out(`job ${job.name} would be created`);
    ctx.out(`${jobs.length} jobs would be created (dry run: nothing was)`);
    return;
  }
  const created: string[] = [];
  for (const imported of jobs) {
    try {
      await ctx.client().request('POST', '/api/v1/jobs', { body: imported.job });
      created.push(imported.job.name);
    } catch (error) {
      const undone = await undo(ctx, created);
      const reason = error instanceof Error ? error.message : String(error);
      throw new CliError(
        `${imported.file}:${imported.line}: job ${imported.job.name} could not be created: ${reason}; ${undone}`,
      );
    }
  }
  for (const name of created) ctx.out(`job ${name} created`);
  ctx.out(`${created.length} jobs created`);
}

async function undo(ctx: CommandContext, names: string[]): Promise<string> {
  const left: string[] = [];
  for (const name of names) {
    try {
      await ctx.client().request('DELETE', `/api/v1/jobs/${encodeURIComponent(name)}`);
    } catch {
      left.push(name);
    }
  }
  if (names.length === 0) return 'nothing was created';
  return left.length === 0
    ? `the ${names.length} jobs created before it were deleted again`
    : `these jobs created before it could not be deleted again: ${left.join(', ')}`;
}

export function registerImport(program: Command, ctx: CommandContext): void {
  const importCommand =
    program.commands.find((command) => command.name() === 'import') ??
    program.command('import').description('bring existing schedules into cronplane');
  importCommand
    .command('crontab')
    .description(
      'turn crontabs into jobs: print them as a job file for `cronplane apply -f`, or create them with --apply (all or none)',
    )
    .argument('<file...>', 'crontab files (`-` reads `crontab -l` output from stdin)')
    .option(
      '--host <name>',
      'the host the crontab is from: its jobs target workers labelled host=<name>',
    )
    .option(
      '--timezone <zone>',
      'IANA zone of the schedules (cron uses the host’s local zone); default UTC',
    )
    .option('--system', 'read every file in the system format (with a user field)')
    .option('--user-crontab', 'read every file in the user format (no user field)')
    .option(
      '--worker-user <user>',
      'the Unix user the workers run as; lines for other users are refused',
      'root',
    )
    .option('--owner <user>', 'whose user crontab the files are (default: the worker user)')
    .option(
      '--dry-run',
      'with --apply: check against the server and say what would be created, create nothing',
    )
    .option('--apply', 'create the jobs through the API instead of printing the job file')
    .addOption(
      new Option('-o, --output <format>', 'job file format')
        .choices(JOB_FILE_FORMATS)
        .default('yaml'),
    )
    .action(async (paths: string[], flags: ImportFlags) => {
      if (flags.system && flags.userCrontab) {
        throw new CliError('--system and --user-crontab exclude each other');
      }
      const files = await readCrontabs(paths, flags);
      const result = importCrontabs(files, {
        host: flags.host,
        timezone: flags.timezone,
        workerUser: flags.workerUser,
        crontabUser: flags.owner,
        emailChannel: false,
      });
      for (const problem of result.problems) ctx.err(problemLine(problem));
      if (result.failed) {
        const errors = result.problems.filter((p) => p.severity === 'error').length;
        throw new CliError(
          `${errors} ${errors === 1 ? 'problem' : 'problems'} above cannot be carried over; nothing was ${flags.apply ? 'created' : 'written'}`,
        );
      }
      if (result.jobs.length === 0) {
        ctx.err('no jobs in the given crontabs');
        return;
      }
      if (flags.apply) await createAll(ctx, result.jobs, flags.dryRun === true);
      else ctx.out(renderJobFile(result.jobs, flags.output));
    });
}
