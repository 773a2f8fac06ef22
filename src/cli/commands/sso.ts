/** `cronplane sso group-grants [-f FILE]`: the mapping of the provider's groups to grants. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'yaml';
import type { CliContext } from '../command-context';
import { CliError } from '../cli-error';
import { renderData } from '../output';

const PATH = '/api/v1/sso/group-grants';

function readMapping(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return parse(text) as unknown;
  } catch (error) {
    throw new CliError(
      `${file}: not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`,
    );
  }
}

export function registerSso(program: Command, ctx: CliContext): void {
  const sso = program.command('sso').description('Single sign-on settings kept in the cluster');
  sso
    .command('group-grants')
    .description(
      "Show the mapping of the provider's groups to grants, or replace it with -f (cluster-admin)",
    )
    .option('-f, --file <path>', 'a YAML or JSON file {mappings: [{group, grants, clusterAdmin}]}')
    .option('-o, --output <format>', 'yaml or json', 'yaml')
    .action(async (opts: { file?: string; output: string }) => {
      if (opts.output !== 'yaml' && opts.output !== 'json')
        throw new CliError(`--output: must be yaml or json, got "${opts.output}"`);
      const { body } =
        opts.file === undefined
          ? await ctx.client().request('GET', PATH)
          : await ctx.client().request('PUT', PATH, { body: readMapping(opts.file) });
      ctx.out(renderData(body, opts.output));
    });
}
