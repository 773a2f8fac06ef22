/** `cronplane config set-context|use-context|get-contexts|current-context|delete-context`. */
import type { Command } from 'commander';
import type { CliContext } from '../command-context';
import { CliError } from '../cli-error';
import {
  deleteContext,
  maskToken,
  readConfigFile,
  setContext,
  useContext,
  writeConfigFile,
} from '../config';
import { renderTable } from '../output';

export function registerConfig(program: Command, ctx: CliContext): void {
  const config = program
    .command('config')
    .description('Manage named contexts (server URL and token) in the config file');

  config
    .command('set-context')
    .description('Add or update a context (the first one becomes current)')
    .argument('<name>', 'context name')
    .option('--server <url>', 'API server URL')
    .option('--token <token>', 'bearer token (stored in the file, mode 0600)')
    .option('--use', 'also make it the current context')
    .action((name: string, local: { server?: string; token?: string; use?: boolean }) => {
      // The root program also has --server/--token, and commander hands them to whichever
      // command it parses them for: take them from either.
      const root = program.opts<{ server?: string; token?: string }>();
      const opts = {
        ...local,
        server: local.server ?? root.server,
        token: local.token ?? root.token,
      };
      if (opts.server !== undefined && !/^https?:\/\/[^/]/i.test(opts.server)) {
        throw new CliError(`--server: must start with http:// or https://, got "${opts.server}"`);
      }
      const path = ctx.configPath();
      let next = setContext(readConfigFile(path), { name, server: opts.server, token: opts.token });
      if (opts.use || !next.currentContext) next = useContext(next, name, path);
      writeConfigFile(path, next);
      ctx.out(
        `context "${name}" saved in ${path}${next.currentContext === name ? ' (current)' : ''}`,
      );
    });

  config
    .command('use-context')
    .description('Make a context the current one')
    .argument('<name>', 'context name')
    .action((name: string) => {
      const path = ctx.configPath();
      writeConfigFile(path, useContext(readConfigFile(path), name, path));
      ctx.out(`switched to context "${name}"`);
    });

  config
    .command('delete-context')
    .description('Remove a context')
    .argument('<name>', 'context name')
    .action((name: string) => {
      const path = ctx.configPath();
      writeConfigFile(path, deleteContext(readConfigFile(path), name, path));
      ctx.out(`context "${name}" deleted`);
    });

  config
    .command('current-context')
    .description('Print the current context')
    .action(() => {
      const path = ctx.configPath();
      const current = readConfigFile(path).currentContext;
      if (!current) throw new CliError(`no current context in ${path}`);
      ctx.out(current);
    });

  config
    .command('get-contexts')
    .description('List the contexts (tokens masked)')
    .action(() => {
      const file = readConfigFile(ctx.configPath());
      if (file.contexts.length === 0) {
        ctx.err(`No contexts in ${ctx.configPath()}.`);
        return;
      }
      const rows = file.contexts.map((c) => ({ ...c, current: c.name === file.currentContext }));
      ctx.write(
        renderTable(rows, [
          { header: 'CURRENT', value: (c) => (c.current ? '*' : '') },
          { header: 'NAME', value: (c) => c.name },
          { header: 'SERVER', value: (c) => c.server ?? '' },
          { header: 'TOKEN', value: (c) => maskToken(c.token) },
        ]),
      );
    });
}
