/**
 * `cronplane export [--selector k=v]... [-o yaml|json] [--dir DIR]`: the jobs as job files that
 * `apply` takes back unchanged. Every file field is written, defaults included (a file then
 * means the same whatever a later server's defaults are); the server's own fields (createdAt,
 * updatedAt, revision, cronDialect) and managedBy are left out. Output is a pure function of the
 * jobs: names sorted, fields in FILE_FIELDS order, maps sorted.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CliError } from '../cli-error';
import type { CommandContext } from '../command-context';
import { listAllJobs } from './api';
import { ApiJob, fileFields } from './job-fields';

export type ExportFormat = 'yaml' | 'json';

export interface ExportOptions {
  selector?: string[];
  output?: string;
  dir?: string;
}

function byName(a: ApiJob, b: ApiJob): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function yamlDocument(job: ApiJob): string {
  return stringify(fileFields(job), { lineWidth: 0, aliasDuplicateObjects: false });
}

/** One file holding all the jobs: YAML documents separated by `---`, or a JSON array. */
export function renderJobs(jobs: ApiJob[], format: ExportFormat): string {
  const sorted = [...jobs].sort(byName);
  if (format === 'json') return `${JSON.stringify(sorted.map(fileFields), null, 2)}\n`;
  return sorted.map(yamlDocument).join('---\n');
}

/** One job's own file, as `--dir` writes it. */
export function renderJob(job: ApiJob, format: ExportFormat): string {
  return format === 'json' ? `${JSON.stringify(fileFields(job), null, 2)}\n` : yamlDocument(job);
}

export function parseExportFormat(value: string | undefined): ExportFormat {
  const format = value ?? 'yaml';
  if (format === 'yaml' || format === 'json') return format;
  throw new CliError(`-o: expected yaml or json, got "${format}"`);
}

export function parseSelector(pairs: string[] | undefined): string[] {
  const out: string[] = [];
  for (const pair of pairs ?? []) {
    for (const part of pair.split(',').filter(Boolean)) {
      if (!/^[^=]+=.*$/.test(part)) throw new CliError(`--selector: expected k=v, got "${part}"`);
      out.push(part);
    }
  }
  return out;
}

export async function runExport(ctx: CommandContext, opts: ExportOptions): Promise<void> {
  const format = parseExportFormat(opts.output);
  const jobs = await listAllJobs(ctx.client(), parseSelector(opts.selector));
  for (const job of jobs) {
    if (job.cronDialect === 'gorhill') {
      ctx.err(
        `warning: job "${job.name}" was saved through /job/save (gorhill dialect); applied from a file its schedule is read as a standard cron expression`,
      );
    }
  }
  if (opts.dir === undefined) {
    if (jobs.length > 0) ctx.out(renderJobs(jobs, format));
    ctx.err(`exported ${jobs.length} job${jobs.length === 1 ? '' : 's'}`);
    return;
  }
  mkdirSync(opts.dir, { recursive: true });
  for (const job of [...jobs].sort(byName)) {
    writeFileSync(join(opts.dir, `${job.name}.${format}`), renderJob(job, format));
  }
  ctx.err(`exported ${jobs.length} job${jobs.length === 1 ? '' : 's'} to ${opts.dir}`);
}
