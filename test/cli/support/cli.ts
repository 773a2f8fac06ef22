/**
 * Runs the `cronplane` CLI as a real child process (bin/cronplane.js, the launcher `npx
 * cronplane` and the image use) against a real master, and collects its exit code and output.
 * Each run gets a scratch HOME and contexts file, so no test reads or writes a user's config.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AppProcess, startApp } from '../../support/app-process';
import { appEnv, isolationId } from '../../support/env';
import { ApiClient, eventually } from '../../api/api-client';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const LAUNCHER = join(ROOT, 'bin', 'cronplane.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  /** Resolves when the process exits. */
  done: Promise<CliResult>;
  /** Output so far. */
  stdout(): string;
  kill(): void;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed (stdin is a pipe, never a terminal). */
  input?: string;
  /** Run this file instead of the checkout's launcher (the image's layout). */
  launcher?: string;
}

/** A scratch home: HOME, XDG_CONFIG_HOME unset, CRONPLANE_CONFIG inside it. */
export function scratchHome(): { home: string; config: string } {
  const home = mkdtempSync(join(tmpdir(), 'cronplane-cli-'));
  return { home, config: join(home, '.config', 'cronplane', 'config.yaml') };
}

export function startCli(args: string[], opts: CliOptions = {}): CliRun {
  const { home } = scratchHome();
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: home };
  for (const [key, value] of Object.entries(opts.env ?? {}))
    if (value !== undefined) env[key] = value;
  const child = spawn(process.execPath, [opts.launcher ?? LAUNCHER, ...args], {
    env,
    cwd: home,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(opts.input ?? '');
  const done = new Promise<CliResult>((resolveDone, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolveDone({ code, stdout, stderr }));
  });
  return { done, stdout: () => stdout, kill: () => child.kill('SIGKILL') };
}

export function cli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return startCli(args, opts).done;
}

export interface CliCluster {
  app: AppProcess;
  api: ApiClient;
  token: string;
  /** CRONPLANE_URL and CRONPLANE_TOKEN for this cluster. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** One master with a worker (ROLE=all), isolated under its own etcd prefix and database. */
export async function startCluster(label: string, token: string): Promise<CliCluster> {
  const app = await startApp(
    appEnv(isolationId(label), { ROLE: 'all', CRON_ADMIN_TOKEN: token, SESSION_TTL_SECONDS: '3' }),
  );
  const api = new ApiClient(app.baseUrl, token);
  await eventually(
    async () => ((await api.get<unknown[]>('/api/v1/workers')).body ?? []).length === 1,
    20000,
  );
  return {
    app,
    api,
    token,
    env: { CRONPLANE_URL: app.baseUrl, CRONPLANE_TOKEN: token },
    stop: async () => void (await app.stop()),
  };
}

/** Every line of the output, for "one line on stderr" checks. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.length > 0);
}
