/** `cronplane get jobs|runs|workers|alerts|tokens [-o table|wide|json|yaml]`. */
import { Command, Option } from 'commander';
import type { CliContext } from '../command-context';
import { CliError } from '../cli-error';
import { alertColumns, jobColumns, runColumns, workerColumns } from '../columns';
import { Column, OUTPUT_FORMATS, OutputFormat, parseOutputFormat, render } from '../output';
import {
  jobPages,
  listAlerts,
  listJobs,
  listRecentRuns,
  listRunsOf,
  listWorkers,
} from '../resources';
import { PagedOutput } from '../paged-output';
import { TokenItem, tokenColumns } from './tokens';
import { BackfillItem, backfillColumns } from './backfill';

const RESOURCES: Record<string, 'jobs' | 'runs' | 'workers' | 'alerts' | 'tokens' | 'backfills'> = {
  backfill: 'backfills',
  backfills: 'backfills',
  job: 'jobs',
  jobs: 'jobs',
  run: 'runs',
  runs: 'runs',
  worker: 'workers',
  workers: 'workers',
  alert: 'alerts',
  alerts: 'alerts',
  token: 'tokens',
  tokens: 'tokens',
};

interface GetOptions {
  output: OutputFormat;
  prefix?: string;
  selector?: string[];
  target?: string[];
  job?: string;
  status?: string[];
  state?: string;
  limit: number;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`--limit: expected a positive integer, got "${value}"`);
  return n;
}

function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').filter(Boolean)];
}

export function outputOption(): Option {
  return new Option('-o, --output <format>', `output format: ${OUTPUT_FORMATS.join('|')}`)
    .default('table')
    .argParser(parseOutputFormat);
}

export function registerGet(program: Command, ctx: CliContext): void {
  program
    .command('get')
    .description('List jobs, runs, workers, alerts or tokens')
    .argument('<resource>', 'jobs | runs | workers | alerts | tokens')
    .argument('[job]', "runs: only this job's runs")
    .addOption(outputOption())
    .option('--prefix <prefix>', 'jobs: names starting with this')
    .option(
      '-l, --selector <k=v>',
      "jobs: with this label of the job's own (repeatable)",
      collectList,
    )
    .option(
      '--target <k=v>',
      'jobs: whose target (worker) labels include this (repeatable)',
      collectList,
    )
    .option('--job <name>', 'runs, alerts, backfills: of this job only')
    .option(
      '--status <status>',
      'runs: with this status (repeatable, or comma-separated)',
      collectList,
    )
    .option('--state <state>', 'alerts: with this delivery state (pending|delivered|dead|skipped)')
    .option('--limit <n>', 'runs, alerts: at most this many', positiveInt, 20)
    .addHelpText(
      'after',
      '\nExamples:\n  cronplane get jobs -o wide\n  cronplane get runs backup --status failed\n  cronplane get workers -o json',
    )
    .action(async (resource: string, job: string | undefined, opts: GetOptions) => {
      const kind = RESOURCES[resource.toLowerCase()];
      if (!kind)
        throw new CliError(
          `get: unknown resource "${resource}" (expected jobs, runs, workers, alerts, tokens or backfills)`,
        );
      const client = ctx.client();
      const now = Date.now();
      const table = { width: ctx.columns, color: ctx.color };
      const print = <T>(rows: T[], columns: Column<T>[], empty: string): void => {
        const text = render(rows, columns, opts.output, table);
        if (text) ctx.write(text);
        else ctx.err(empty);
      };
      switch (kind) {
        case 'jobs': {
          // Streamed: at 100,000 jobs the first lines show at once, one page held at a time.
          const out = new PagedOutput(jobColumns(now), opts.output, table);
          const query = { prefix: opts.prefix, selector: opts.selector, label: opts.target };
          for await (const page of jobPages(client, query)) {
            const text = out.page(page);
            if (text) ctx.write(text);
          }
          const end = out.end();
          if (end) ctx.write(end);
          else if (out.empty) ctx.err('No jobs found.');
          return;
        }
        case 'runs': {
          const only = job ?? opts.job;
          const runs = only
            ? await listRunsOf(client, only, { limit: opts.limit, status: opts.status })
            : await listRecentRuns(
                client,
                (await listJobs(client)).map((j) => j.name),
                { limit: opts.limit, status: opts.status },
              );
          return print(runs, runColumns(now), 'No runs found.');
        }
        case 'workers':
          return print(await listWorkers(client), workerColumns(now), 'No workers found.');
        case 'alerts': {
          const alerts = await listAlerts(client, {
            job: opts.job,
            state: opts.state,
            limit: opts.limit,
          });
          return print(alerts, alertColumns(now), 'No alerts found.');
        }
        case 'tokens': {
          const { body } = await client.request<TokenItem[]>('GET', '/api/v1/tokens');
          return print(body, tokenColumns(now), 'No tokens found.');
        }
        case 'backfills': {
          const only = job ?? opts.job;
          const query = only ? `?job=${encodeURIComponent(only)}` : '';
          const { body } = await client.request<BackfillItem[]>('GET', `/api/v1/backfills${query}`);
          return print(body, backfillColumns, 'No backfills found.');
        }
      }
    });
}
