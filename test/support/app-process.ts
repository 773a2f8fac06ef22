/**
 * Runs the built app (`node dist/main.js`) as a child process, the way operators run it,
 * and collects its JSON log lines.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from '../../tools/stack/ports';
import { waitUntil } from '../../tools/stack/services';

export const MAIN = resolve(__dirname, '..', '..', 'dist', 'main.js');

export interface AppProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Parsed JSON log lines from stdout. */
  logs(): Record<string, unknown>[];
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(
    signal?: NodeJS.Signals,
    timeoutMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function spawnApp(env: Record<string, string>): Promise<AppProcess> {
  const portName = env.ROLE === 'worker' ? 'WORKER_PORT' : 'PORT';
  const given = env[portName];
  const port = given !== undefined ? Number(given) : await freePort();
  const portEnv = given !== undefined ? {} : { [portName]: String(port) };
  // Node flags for the app (profiling a benchmark, say): APP_NODE_ARGS, split on spaces.
  const nodeArgs = process.env.APP_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, MAIN], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env, ...portEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const app: AppProcess = {
    child,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => out,
    logs: () =>
      out
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    exited,
    async stop(signal = 'SIGTERM', timeoutMs = 30000) {
      if (!hasExited) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  return app;
}

/** Spawns the app and waits until /healthz answers. */
export async function startApp(
  env: Record<string, string>,
  timeoutMs = 30000,
): Promise<AppProcess> {
  const app = await spawnApp(env);
  try {
    await waitUntil(
      async () => {
        if (app.child.exitCode !== null) throw new Error(`app exited early:\n${app.output()}`);
        try {
          return (await fetch(`${app.baseUrl}/healthz`)).ok;
        } catch {
          return false;
        }
      },
      timeoutMs,
      'the app to answer /healthz',
    );
  } catch (error) {
    await app.stop('SIGKILL');
    throw error;
  }
  return app;
}
