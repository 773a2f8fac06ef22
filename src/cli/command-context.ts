/**
 * What every command gets: the API client, output, and a confirmation prompt.
 *
 * Design (for everyone registering commands): program.ts builds ONE context before parsing and
 * passes it to every register function. The context is lazy: `client()` reads the global options
 * (`--server`, `--token`, `--context`, `--config`) from the root program when it is first called,
 * which is inside an action, after commander has parsed them; so call `ctx.client()` in your
 * action, never at registration time. The client is built once and reused.
 *
 * - `out(text)` writes to stdout, `err(text)` to stderr; each adds a newline unless `text`
 *   already ends with one.
 * - `confirm(question)` asks on the terminal and resolves true for y/yes. When stdin is not a
 *   terminal it throws a CliError telling the user to pass `--yes` (never hangs, never guesses).
 * - Throw CliError (or let ApiClient's ApiError through) for any failure: main.ts prints it as
 *   one line `cronplane: <message>` and exits with its exitCode.
 */
import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { ApiClient } from './api-client';
import { CliError } from './cli-error';
import { configPath, readConfigFile, resolveConnection, writeConfigFile } from './config';
import { needsRefresh, refreshTokens } from './sso';
import { DEFAULT_NAMESPACE, isValidNamespace } from '../namespaces/namespace';

export interface CommandContext {
  client(): ApiClient;
  out(text: string): void;
  err(text: string): void;
  /** stdout is a terminal. */
  isTTY: boolean;
  confirm(question: string): Promise<boolean>;
}

/** The core verbs' extras; the same object is passed to every register function. */
export interface CliContext extends CommandContext {
  /** Raw write to stdout, no newline added (streamed logs). */
  write(chunk: string | Uint8Array): void;
  /** Raw write to stderr, no newline added. */
  errWrite(chunk: string): void;
  /** Colour allowed: stdout is a terminal and NO_COLOR is unset. */
  color: boolean;
  /** stdout's width when it is a terminal, else undefined (no truncation). */
  columns?: number;
  env: Record<string, string | undefined>;
  /** Path of the contexts file (`--config`, `$CRONPLANE_CONFIG`, or the default). */
  configPath(): string;
}

export interface GlobalOptions {
  server?: string;
  token?: string;
  context?: string;
  config?: string;
  namespace?: string;
}

export interface CliStreams {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: Record<string, string | undefined>;
}

function line(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

export function createCommandContext(
  program: Command,
  streams: CliStreams = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
  },
): CliContext {
  const { stdout, stderr, stdin, env } = streams;
  const isTTY = Boolean(stdout.isTTY);
  let client: ApiClient | undefined;
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  const pathOfConfig = (): string => globals().config ?? configPath(env);

  return {
    isTTY,
    color: isTTY && env.NO_COLOR === undefined && env.TERM !== 'dumb',
    columns: isTTY && stdout.columns ? stdout.columns : undefined,
    env,
    configPath: pathOfConfig,
    client(): ApiClient {
      if (!client) {
        const flags = globals();
        const path = pathOfConfig();
        const file = readConfigFile(path);
        const connection = resolveConnection(
          {
            flags: { server: flags.server, token: flags.token, context: flags.context },
            env,
            config: file,
          },
          path,
        );
        // The context's SSO token, expired: refreshed (and stored) before the first request.
        const entry = file.contexts.find((c) => c.name === connection.context);
        const refresh =
          entry && entry.token === connection.token && needsRefresh(entry, Date.now())
            ? async (): Promise<string> => {
                const tokens = await refreshTokens(entry);
                const latest = readConfigFile(path);
                writeConfigFile(path, {
                  ...latest,
                  contexts: latest.contexts.map((c) =>
                    c.name === entry.name ? { ...c, ...tokens } : c,
                  ),
                });
                return tokens.token;
              }
            : undefined;
        const namespace = flags.namespace ?? env.CRONPLANE_NAMESPACE ?? DEFAULT_NAMESPACE;
        if (!isValidNamespace(namespace))
          throw new CliError(
            `namespace "${namespace}" is not a namespace name (1-63 of a-z, 0-9 and "-")`,
          );
        client = new ApiClient({
          url: connection.url,
          token: connection.token,
          namespace,
          ...(refresh ? { refreshToken: refresh } : {}),
        });
      }
      return client;
    },
    out: (text) => void stdout.write(line(text)),
    err: (text) => void stderr.write(line(text)),
    write: (chunk) => void stdout.write(chunk),
    errWrite: (chunk) => void stderr.write(chunk),
    async confirm(question: string): Promise<boolean> {
      if (!stdin.isTTY) {
        throw new CliError(
          `${question.replace(/\?\s*$/, '')}: stdin is not a terminal, pass --yes`,
        );
      }
      const rl = createInterface({ input: stdin, output: stderr });
      try {
        const answer = await new Promise<string>((resolve) =>
          rl.question(`${question} [y/N] `, resolve),
        );
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
  };
}
