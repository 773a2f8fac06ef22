/**
 * An error the CLI reports as one line on stderr (`cronplane: <message>`) before exiting with
 * `exitCode`. Anything else thrown is a bug and is reported the same way, with exit code 1.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
