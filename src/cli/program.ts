/**
 * The `cronplane` command tree (commander). Global options live on the root program and are read
 * lazily by the context (see command-context.ts); each verb is a small module under commands/,
 * and the jobs-as-code and crontab-import verbs register themselves from their own folders.
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliContext, CliStreams, createCommandContext } from './command-context';
import { registerBackfill } from './commands/backfill';
import { registerCompletion } from './commands/completion';
import { registerConfig } from './commands/config';
import { registerCron } from './commands/cron';
import { registerDescribe } from './commands/describe';
import { registerGet } from './commands/get';
import { registerHistory } from './commands/history';
import { registerJobActions } from './commands/job-actions';
import { registerLogin } from './commands/login';
import { registerLogs } from './commands/logs';
import { registerSecrets } from './commands/secrets';
import { registerSso } from './commands/sso';
import { registerTokens } from './commands/tokens';
import { registerImport } from './crontab/register';
import { registerJobsAsCode } from './jobs-as-code/register';

function version(): string {
  try {
    // src/cli and dist/cli both sit two levels below the package root.
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export interface BuiltProgram {
  program: Command;
  ctx: CliContext;
}

export function buildProgram(streams?: CliStreams): BuiltProgram {
  const program = new Command('cronplane');
  const ctx = createCommandContext(program, streams);
  program
    .description('Command line for cronplane: jobs, runs, workers and alerts over the REST API')
    .version(version(), '-V, --version')
    .option(
      '-s, --server <url>',
      'API server URL (default $CRONPLANE_URL, the context, or http://localhost:8070)',
    )
    .option('-t, --token <token>', 'bearer token (prefer CRONPLANE_TOKEN or a context)')
    .option('--context <name>', 'use this context of the config file instead of the current one')
    .option(
      '-n, --namespace <ns>',
      'the namespace of jobs and runs (default $CRONPLANE_NAMESPACE or default)',
    )
    .option(
      '--config <path>',
      'contexts file (default $CRONPLANE_CONFIG or ~/.config/cronplane/config.yaml)',
    )
    .configureOutput({
      writeOut: (text) => ctx.write(text),
      writeErr: (text) => ctx.errWrite(text),
      // One line, `cronplane: <reason>`, like every other error.
      outputError: (text, write) =>
        write(
          `cronplane: ${text
            .replace(/^error: /, '')
            .trim()
            .replace(/\s*\n\s*/g, ' ')}\n`,
        ),
    })
    .exitOverride();

  registerConfig(program, ctx);
  registerLogin(program, ctx);
  registerGet(program, ctx);
  registerDescribe(program, ctx);
  registerJobActions(program, ctx);
  registerBackfill(program, ctx);
  registerHistory(program, ctx);
  registerLogs(program, ctx);
  registerCron(program, ctx);
  registerSecrets(program, ctx);
  registerSso(program, ctx);
  registerTokens(program, ctx);
  registerJobsAsCode(program, ctx);
  registerImport(program, ctx);
  registerCompletion(program, ctx);
  return { program, ctx };
}
