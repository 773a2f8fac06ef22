/** `cronplane secrets list|set|delete|rotate-key`: a namespace's secrets, values write-only. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliContext } from '../command-context';
import { CliError } from '../cli-error';
import { Column, parseOutputFormat, render } from '../output';

interface SecretItem {
  name: string;
  namespace: string;
  updatedAt: string;
  updatedBy: string;
}

const COLUMNS: Column<SecretItem>[] = [
  { header: 'NAME', value: (s) => s.name },
  { header: 'UPDATED', value: (s) => s.updatedAt },
  { header: 'BY', value: (s) => s.updatedBy },
];

/** The value from a file, or from stdin (a pipe, never a terminal, never an argument). */
async function readValue(ctx: CliContext, file: string | undefined): Promise<string> {
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError(
        `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
  }
  if (process.stdin.isTTY)
    throw new CliError(
      'pipe the value on stdin (printf %s "$VALUE" | cronplane secrets set NAME), or use --from-file',
    );
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // `echo value |` adds one newline the value does not have.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export function registerSecrets(program: Command, ctx: CliContext): void {
  const secrets = program
    .command('secrets')
    .description("A namespace's secrets (-n): values are write-only, never shown");
  const base = (): string => `/api/v1/namespaces/${ctx.client().namespace}/secrets`;

  secrets
    .command('list')
    .description('Names, who changed each and when')
    .option('-o, --output <format>', 'table, wide, json or yaml', parseOutputFormat, 'table')
    .action(async (opts: { output: ReturnType<typeof parseOutputFormat> }) => {
      const { body } = await ctx.client().request<SecretItem[]>('GET', base());
      const text = render(body, COLUMNS, opts.output, { width: ctx.columns });
      ctx.out(text === '' ? 'No secrets.' : text);
    });

  secrets
    .command('set')
    .description('Create or replace a secret; the value comes from stdin or --from-file')
    .argument('<name>', 'secret name')
    .option('--from-file <path>', 'read the value from this file (as is)')
    .action(async (name: string, opts: { fromFile?: string }) => {
      const value = await readValue(ctx, opts.fromFile);
      if (value === '') throw new CliError('the value is empty');
      await ctx
        .client()
        .request('PUT', `${base()}/${encodeURIComponent(name)}`, { body: { value } });
      ctx.out(`secret ${name} set in namespace ${ctx.client().namespace}`);
    });

  secrets
    .command('delete')
    .description('Delete a secret (jobs that use it then fail, saying so)')
    .argument('<name>', 'secret name')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (name: string, opts: { yes?: boolean }) => {
      if (!opts.yes && !(await ctx.confirm(`Delete secret ${name}?`))) return;
      await ctx.client().request('DELETE', `${base()}/${encodeURIComponent(name)}`);
      ctx.out(`secret ${name} deleted`);
    });

  secrets
    .command('rotate-key')
    .description("Re-encrypt every secret under the masters' current CRON_SECRETS_KEY_FILE")
    .action(async () => {
      const { body } = await ctx
        .client()
        .request<{ rewrapped: number; current: number }>('POST', '/api/v1/secrets/rotate-key');
      ctx.out(
        `${body.rewrapped} secret(s) re-encrypted, ${body.current} already under the current key`,
      );
    });
}
