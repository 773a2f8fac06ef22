/**
 * `cronplane apply -f FILE|DIR [--dry-run] [--prune] [--manager NAME] [--override REASON]`.
 *
 * Everything is checked before anything changes: the files parse, every document passes the
 * server's own validation (POST /jobs/validate), no name is defined twice, no job belongs to
 * another manager. Then the plan is carried out: creates (POST, 409 if someone created it since),
 * updates (PUT with If-Match: the revision read while planning) and, with --prune, deletes
 * (DELETE with If-Match). A 412 or 409 stops at once with one line naming the job.
 */
import { ApiClient, ApiError } from '../api-client';
import { CliError } from '../cli-error';
import type { CommandContext } from '../command-context';
import { FileProblem, formatProblem, parseFiles } from './documents';
import { listAllJobs, previewDocuments } from './api';
import { readJobFiles } from './files';
import { defaultManager } from './manager';
import { PlanItem, countPlan, formatPlan, formatSummary, planApply } from './plan';

export interface ApplyOptions {
  file: string[];
  dryRun?: boolean;
  prune?: boolean;
  manager?: string;
  override?: string;
}

const MANAGER_HEADER = 'X-Cronplane-Manager';
const OVERRIDE_HEADER = 'X-Cronplane-Override';

/** Prints every problem (by file, then document) on stderr; the error is the count. */
function problemsError(ctx: CommandContext, problems: FileProblem[]): CliError {
  const sorted = [...problems].sort(
    (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || (a.index ?? 0) - (b.index ?? 0),
  );
  for (const problem of sorted) ctx.err(formatProblem(problem));
  const count = problems.length;
  return new CliError(`${count} problem${count === 1 ? '' : 's'} found; nothing was applied`);
}

function path(name: string): string {
  return `/api/v1/jobs/${encodeURIComponent(name)}`;
}

function headersFor(manager: string, override: string | undefined): Record<string, string> {
  return override === undefined
    ? { [MANAGER_HEADER]: manager }
    : { [MANAGER_HEADER]: manager, [OVERRIDE_HEADER]: override };
}

/** One line for a write the server refused because the job moved since the plan read it. */
function raceError(item: PlanItem, error: ApiError): CliError {
  if (error.status === 412) {
    return new CliError(
      `job "${item.name}" was changed by someone else since it was read (revision ${
        'current' in item ? item.current.revision : '?'
      }); stopped, run apply again to see the new plan`,
    );
  }
  if (item.kind === 'create') {
    return new CliError(
      `job "${item.name}" was created by someone else since it was read; stopped, run apply again to see the new plan`,
    );
  }
  return new CliError(`job "${item.name}": ${error.message}`);
}

async function carryOut(
  client: ApiClient,
  item: PlanItem,
  manager: string,
  override: string | undefined,
): Promise<void> {
  const headers = headersFor(manager, override);
  try {
    if (item.kind === 'create') {
      await client.request('POST', '/api/v1/jobs', {
        body: { ...item.doc.body, managedBy: manager },
        headers,
      });
    } else if (item.kind === 'update') {
      await client.request('PUT', path(item.name), {
        body: { ...item.doc.body, managedBy: manager },
        headers: { ...headers, 'If-Match': `"${item.current.revision}"` },
      });
    } else if (item.kind === 'delete') {
      await client.request('DELETE', path(item.name), {
        headers: { ...headers, 'If-Match': `"${item.current.revision}"` },
      });
    }
  } catch (error) {
    if (error instanceof ApiError && (error.status === 412 || error.status === 409)) {
      throw raceError(item, error);
    }
    throw error;
  }
}

export async function runApply(ctx: CommandContext, opts: ApplyOptions): Promise<void> {
  if (opts.file.length === 0) throw new CliError('apply: give the job files with -f FILE|DIR');
  const override = opts.override?.trim() || undefined;
  const manager = opts.manager?.trim() || defaultManager(opts.file[0]);
  const parsed = parseFiles(readJobFiles(opts.file));
  const client = ctx.client();
  const checked = await previewDocuments(client, parsed.documents);
  const problems = [...parsed.problems, ...checked.problems];
  if (problems.length > 0) throw problemsError(ctx, problems);

  const current = await listAllJobs(client);
  const plan = planApply(checked.desired, current, {
    manager,
    prune: opts.prune ?? false,
    override,
  });
  if (plan.problems.length > 0) throw problemsError(ctx, plan.problems);
  const counts = countPlan(plan.items);

  if (opts.dryRun) {
    ctx.out(`manager: ${manager}`);
    for (const line of formatPlan(plan.items)) ctx.out(line);
    ctx.out(formatSummary(counts, true));
    return;
  }
  for (const item of plan.items) {
    if (item.kind === 'unchanged') continue;
    await carryOut(client, item, manager, override);
    const fields = item.kind === 'update' ? `: ${item.changes.map((c) => c.field).join(', ')}` : '';
    ctx.out(`${item.kind === 'create' ? 'created' : `${item.kind}d`} ${item.name}${fields}`);
  }
  ctx.out(formatSummary(counts, false));
}
