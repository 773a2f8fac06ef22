/** The jobs-as-code verbs: `apply` and `export` (see docs/jobs-as-code.md). */
import type { Command } from 'commander';
import type { CommandContext } from '../command-context';
import { ApplyOptions, runApply } from './apply';
import { ExportOptions, runExport } from './export';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerJobsAsCode(program: Command, ctx: CommandContext): void {
  program
    .command('apply')
    .description(
      'Create, update and (with --prune) delete jobs to match job files (YAML or JSON); checks every file first and changes nothing if one has a problem',
    )
    .requiredOption(
      '-f, --file <path>',
      'a job file, or a directory read recursively (*.yaml, *.yml, *.json); repeatable',
      collect,
    )
    .option('--dry-run', 'print what would change (a field-level diff), change nothing')
    .option('--prune', "delete the jobs this manager manages that the files don't have")
    .option(
      '--manager <name>',
      'managedBy of the jobs (default: git:<origin URL> of the files, else file:<directory>)',
    )
    .option(
      '--override <reason>',
      'take over jobs managed by someone else; the reason goes to the audit log',
    )
    .action((opts: Omit<ApplyOptions, 'file'> & { file: string[] }) => runApply(ctx, opts));

  program
    .command('export')
    .description('Write the jobs as job files that apply takes back unchanged')
    .option('-l, --selector <k=v>', 'only jobs whose own labels include k=v; repeatable', collect)
    .option('-o, --output <format>', 'yaml (documents separated by ---) or json', 'yaml')
    .option('--dir <dir>', 'write one file per job (<name>.yaml|json) into this directory')
    .action((opts: ExportOptions) => runExport(ctx, opts));
}
