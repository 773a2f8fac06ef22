/** `cronplane cron "EXPR"`: the expression in words and its next fire times (from the API). */
import type { Command } from 'commander';
import type { CliContext } from '../command-context';
import { CliError } from '../cli-error';
import { describeCron } from '../cron-words';
import { relativeWords, renderData } from '../output';
import { outputOption } from './get';

interface Preview {
  expr: string;
  timezone: string;
  next: string[];
}

export function formatPreview(preview: Preview, now: number): string {
  const lines = [
    `${preview.expr}: ${describeCron(preview.expr)} (${preview.timezone})`,
    `Next ${preview.next.length} times:`,
    ...preview.next.map((t) => `  ${t}  (${relativeWords(t, now)})`),
  ];
  return `${lines.join('\n')}\n`;
}

export function registerCron(program: Command, ctx: CliContext): void {
  program
    .command('cron')
    .description('Explain a cron expression and print its next fire times')
    .argument('<expr>', 'the expression, quoted: "*/5 * * * *"')
    .option('-z, --timezone <zone>', 'IANA time zone', 'UTC')
    .option('-c, --count <n>', 'how many fire times', (v) => Number(v), 5)
    .option('--name <job>', 'job name, for H (hashed) fields')
    .addOption(outputOption())
    .addHelpText(
      'after',
      '\nExamples:\n  cronplane cron "0 2 * * mon-fri" --timezone Europe/Paris\n  cronplane cron "@every 90s"',
    )
    .action(
      async (
        expr: string,
        opts: { timezone: string; count: number; name?: string; output: string },
      ) => {
        if (!Number.isInteger(opts.count) || opts.count < 1)
          throw new CliError('--count: expected a positive integer');
        const { body } = await ctx.client().request<Preview>('GET', '/api/v1/cron/preview', {
          query: { expr, timezone: opts.timezone, count: opts.count, name: opts.name },
        });
        if (opts.output === 'json' || opts.output === 'yaml') {
          ctx.write(renderData({ ...body, description: describeCron(body.expr) }, opts.output));
          return;
        }
        ctx.write(formatPreview(body, Date.now()));
      },
    );
}
