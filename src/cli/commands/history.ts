/** `cronplane history JOB [--version N]` and `cronplane rollback JOB --version N`. */
import { Command, Option } from 'commander';
import type { CliContext } from '../command-context';
import { ApiError } from '../api-client';
import { CliError } from '../cli-error';
import { Column, OutputFormat, relativeTime, render, renderData } from '../output';
import { jobPath } from '../resources';
import { outputOption } from './get';

export interface VersionSummary {
  version: number;
  action: string;
  at: string;
  tokenName: string;
  via: string;
  revision: number;
  fromVersion?: number;
  override?: string;
}

export interface FieldChange {
  path: string;
  op: 'add' | 'remove' | 'replace';
  before?: unknown;
  after?: unknown;
}

export interface VersionDetail extends VersionSummary {
  spec: Record<string, unknown>;
  current: Record<string, unknown> | null;
  diff: FieldChange[];
}

export function versionColumns(now: number): Column<VersionSummary>[] {
  return [
    { header: 'VERSION', value: (v) => String(v.version) },
    { header: 'WHEN', value: (v) => relativeTime(v.at, now) },
    { header: 'WHO', value: (v) => v.tokenName, shrink: true },
    {
      header: 'ACTION',
      value: (v) => (v.fromVersion === undefined ? v.action : `${v.action} to ${v.fromVersion}`),
    },
    { header: 'AT', value: (v) => v.at, wide: true },
    { header: 'VIA', value: (v) => v.via, wide: true },
    { header: 'REVISION', value: (v) => String(v.revision), wide: true },
    { header: 'OVERRIDE', value: (v) => v.override ?? '', wide: true, shrink: true },
  ];
}

/** The diff as lines: `~ path: before → after`, `+ path: after`, `- path: before`. */
export function diffText(diff: readonly FieldChange[]): string {
  const show = (value: unknown): string => JSON.stringify(value);
  return diff
    .map((change) => {
      if (change.op === 'add') return `  + ${change.path}: ${show(change.after)}`;
      if (change.op === 'remove') return `  - ${change.path}: ${show(change.before)}`;
      return `  ~ ${change.path}: ${show(change.before)} → ${show(change.after)}`;
    })
    .join('\n');
}

/** One version and what changed since, as `history --version N` prints it. */
export function versionText(job: string, detail: VersionDetail, now: number): string {
  const head = `job ${job} version ${detail.version}: ${detail.action} by ${detail.tokenName}, ${relativeTime(detail.at, now)} (${detail.at}), revision ${detail.revision}`;
  if (detail.current === null) return `${head}\nthe job has been deleted since.\n`;
  if (detail.diff.length === 0) return `${head}\nsame as the current definition.\n`;
  return `${head}\nchanged since (version → current):\n${diffText(detail.diff)}\n`;
}

/** The verbs whose `--version N` names a job version, not the CLI's own --version flag. */
const VERSION_VERBS = ['history', 'rollback'];
const HIDDEN_FLAG = '--job-version';
/** The root options that take a value (program.ts), skipped when looking for the verb. */
const ROOT_VALUE_OPTIONS = ['-s', '--server', '-t', '--token', '--context', '--config'];

/**
 * The root program reads `--version` anywhere on the line (commander), so for history and
 * rollback it becomes the hidden `--job-version` before parsing; `cronplane --version` stays.
 */
export function jobVersionArgs(argv: readonly string[]): string[] {
  let at = -1;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i];
    if (ROOT_VALUE_OPTIONS.includes(arg)) i++;
    else if (!arg.startsWith('-')) {
      if (VERSION_VERBS.includes(arg)) at = i;
      break;
    }
  }
  if (at < 0) return [...argv];
  return argv.map((arg, i) => {
    if (i <= at) return arg;
    if (arg === '--version') return HIDDEN_FLAG;
    if (arg.startsWith('--version=')) return `${HIDDEN_FLAG}=${arg.slice('--version='.length)}`;
    return arg;
  });
}

function versionNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`--version: expected a version number (1, 2, 3...), got "${value}"`);
  return n;
}

async function allVersions(ctx: CliContext, job: string): Promise<VersionSummary[]> {
  const items: VersionSummary[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const { body } = await ctx.client().request<{
      items: VersionSummary[];
      nextCursor: string | null;
    }>('GET', jobPath(job, `/versions?limit=500${query}`));
    items.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return items;
}

export function registerHistory(program: Command, ctx: CliContext): void {
  program
    .command('history')
    .description("A job's versions (who changed it, when, how), or one version and its diff")
    .argument('<job>', 'job name')
    .addOption(new Option('--version <n>', 'show this version and what changed since'))
    .addOption(new Option(`${HIDDEN_FLAG} <n>`).argParser(versionNumber).hideHelp())
    .addOption(outputOption())
    .addHelpText(
      'after',
      '\nExamples:\n  cronplane history backup\n  cronplane history backup --version 3\n  cronplane history backup -o json',
    )
    .action(async (job: string, opts: { jobVersion?: number; output: OutputFormat }) => {
      const now = Date.now();
      const version = opts.jobVersion;
      if (version !== undefined) {
        const { body } = await ctx
          .client()
          .request<VersionDetail>('GET', jobPath(job, `/versions/${version}`));
        const json = opts.output === 'json' || opts.output === 'yaml';
        ctx.write(
          json ? renderData(body, opts.output as 'json' | 'yaml') : versionText(job, body, now),
        );
        return;
      }
      const versions = await allVersions(ctx, job);
      const text = render(versions, versionColumns(now), opts.output, {
        width: ctx.columns,
        color: ctx.color,
      });
      if (text) ctx.write(text);
      else ctx.err(`job ${job} has no versions yet (unchanged since before version history).`);
    });

  program
    .command('rollback')
    .description('Restore a version of a job (shows what changes and asks first unless --yes)')
    .argument('<job>', 'job name')
    .addOption(new Option('--version <n>', 'the version to restore (required)'))
    .addOption(new Option(`${HIDDEN_FLAG} <n>`).argParser(versionNumber).hideHelp())
    .option('-y, --yes', 'do not ask for confirmation')
    .option(
      '--override <reason>',
      'roll back a job managed by files anyway (sent as X-Cronplane-Override, audited)',
    )
    .action(
      async (job: string, opts: { jobVersion?: number; yes?: boolean; override?: string }) => {
        const version = opts.jobVersion;
        if (version === undefined) throw new CliError('rollback: name the version: --version N');
        const client = ctx.client();
        const { body: detail } = await client.request<VersionDetail>(
          'GET',
          jobPath(job, `/versions/${version}`),
        );
        if (detail.current !== null && detail.diff.length === 0) {
          ctx.out(`job ${job} already is version ${version}: nothing to roll back`);
          return;
        }
        if (!opts.yes) {
          ctx.err(versionText(job, detail, Date.now()).trimEnd());
          if (!(await ctx.confirm(`Roll back job ${job} to version ${version}?`)))
            throw new CliError('rollback: not confirmed, nothing changed');
        }
        const headers: Record<string, string> = {};
        if (opts.override) headers['X-Cronplane-Override'] = opts.override;
        // Based on the definition just shown: a change since then answers 412.
        const revision = detail.current?.revision;
        if (typeof revision === 'number') headers['If-Match'] = `"${revision}"`;
        try {
          await client.request('POST', jobPath(job, '/rollback'), {
            body: { version: version },
            headers,
          });
        } catch (error) {
          if (error instanceof ApiError && error.status === 409 && !opts.override)
            throw new CliError(
              `rollback: ${error.message}; change it in its files, or pass --override <reason>`,
            );
          throw error;
        }
        ctx.out(`job ${job} rolled back to version ${version}`);
      },
    );
}
