/**
 * Entry point of the `cronplane` CLI (bin/cronplane.js loads it, from dist/ when built, else
 * through tsx). Every failure ends here as one line on stderr, `cronplane: <reason>`, and a
 * non-zero exit code; a stack trace is shown only with CRONPLANE_DEBUG=1.
 */
import { CommanderError } from 'commander';
import { CliError } from './cli-error';
import { jobVersionArgs } from './commands/history';
import { buildProgram } from './program';

export function errorLine(error: unknown): { line: string; exitCode: number } {
  if (error instanceof CliError)
    return { line: `cronplane: ${error.message}`, exitCode: error.exitCode };
  const message = error instanceof Error ? error.message : String(error);
  return { line: `cronplane: ${message.split('\n')[0]}`, exitCode: 1 };
}

/** Runs the CLI and resolves with its exit code (the caller exits). */
export async function run(argv: string[]): Promise<number> {
  quietOnClosedPipe();
  const { program } = buildProgram();
  try {
    await program.parseAsync(jobVersionArgs(argv));
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    // Commander has already printed its own message (usage errors, --help, --version).
    if (error instanceof CommanderError) return error.exitCode;
    const { line, exitCode } = errorLine(error);
    process.stderr.write(`${line}\n`);
    if (process.env.CRONPLANE_DEBUG === '1' && error instanceof Error && error.stack) {
      process.stderr.write(`${error.stack}\n`);
    }
    return exitCode;
  }
}

/** Exits once stdout and stderr are flushed (a piped stdout must not lose its tail). */
export function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/** `cronplane get jobs | head`: a reader that went away is not an error. */
let pipeGuarded = false;
export function quietOnClosedPipe(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

if (require.main === module) {
  void run(process.argv).then(exitAfterFlush);
}
