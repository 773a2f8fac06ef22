/** `cronplane backfill JOB --from --to`, `backfill cancel ID`, and the rows of `get backfills`. */
import type { Command } from 'commander';
import type { CliContext } from '../command-context';
import { CliError } from '../cli-error';
import { Column, parseOutputFormat, render } from '../output';
import { jobPath } from '../resources';

export interface BackfillItem {
  id: string;
  job: string;
  status: string;
  from: string;
  to: string;
  progress: {
    total: number;
    pending: number;
    queued: number;
    ran: number;
    failed: number;
    skippedAlreadyRan: number;
    cancelled: number;
  };
  createdBy: string;
  note?: string;
}

export const backfillColumns: Column<BackfillItem>[] = [
  { header: 'ID', value: (b) => b.id },
  { header: 'JOB', value: (b) => b.job },
  { header: 'STATUS', value: (b) => b.status },
  { header: 'TOTAL', value: (b) => String(b.progress.total) },
  { header: 'QUEUED', value: (b) => String(b.progress.queued) },
  { header: 'RAN', value: (b) => String(b.progress.ran) },
  { header: 'ALREADY-RAN', value: (b) => String(b.progress.skippedAlreadyRan) },
  { header: 'FAILED', value: (b) => String(b.progress.failed) },
  { header: 'FROM', value: (b) => b.from, wide: true },
  { header: 'TO', value: (b) => b.to, wide: true },
  { header: 'BY', value: (b) => b.createdBy, wide: true },
  { header: 'NOTE', value: (b) => b.note ?? '', wide: true, shrink: true },
];

/** `10`, `2.5`, `10/s`: triggers per second. */
export function parseRate(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(value.trim());
  if (!match) throw new CliError(`--rate: "${value}" is not a rate such as 2/s`);
  return Number(match[1]);
}

function wholeNumber(flag: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new CliError(`${flag}: "${value}" is not a whole number`);
    return Number(value);
  };
}

interface BackfillOptions {
  from?: string;
  to?: string;
  maxRuns?: number;
  concurrency?: number;
  rate?: number;
  output: string;
}

export function registerBackfill(program: Command, ctx: CliContext): void {
  program
    .command('backfill')
    .description(
      "Run the ticks of a job's schedule in a past range that did not run; `backfill cancel ID` stops one",
    )
    .argument('<job>', 'job name, or `cancel`')
    .argument('[id]', 'with cancel: the backfill id')
    .option('--from <iso>', 'start of the range, e.g. 2026-03-01T00:00:00Z (included)')
    .option('--to <iso>', 'end of the range (included, not in the future)')
    .option(
      '--max-runs <n>',
      'refuse a range with more ticks than this (default 100)',
      wholeNumber('--max-runs'),
    )
    .option('--concurrency <n>', 'backfill runs at once (default 1)', wholeNumber('--concurrency'))
    .option('--rate <n/s>', 'triggers per second (default 1/s)', parseRate)
    .option('-o, --output <format>', 'output format: table|wide|json|yaml', 'table')
    .addHelpText(
      'after',
      '\nExamples:\n  cronplane backfill etl --from 2026-03-01T00:00:00Z --to 2026-03-01T06:00:00Z --rate 2/s\n  cronplane get backfills\n  cronplane backfill cancel bf-mx7x31t5-5ab352e7',
    )
    .action(async (job: string, id: string | undefined, opts: BackfillOptions) => {
      const format = parseOutputFormat(opts.output);
      const client = ctx.client();
      const show = (item: BackfillItem): void => {
        const text = render([item], backfillColumns, format, {
          width: ctx.columns,
          color: ctx.color,
        });
        if (text) ctx.write(text);
      };
      if (job === 'cancel') {
        if (!id)
          throw new CliError(
            'backfill cancel: name the backfill id (see `cronplane get backfills`)',
          );
        const { body } = await client.request<BackfillItem>(
          'POST',
          `/api/v1/backfills/${encodeURIComponent(id)}/cancel`,
        );
        return show(body);
      }
      if (id !== undefined) throw new CliError(`backfill: unexpected argument "${id}"`);
      if (!opts.from || !opts.to) throw new CliError('backfill: --from and --to are required');
      const { body } = await client.request<BackfillItem>('POST', jobPath(job, '/backfill'), {
        body: {
          from: opts.from,
          to: opts.to,
          ...(opts.maxRuns !== undefined ? { maxRuns: opts.maxRuns } : {}),
          ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
          ...(opts.rate !== undefined ? { ratePerSecond: opts.rate } : {}),
        },
      });
      show(body);
    });
}
