/**
 * `npm run dev`: provisions and starts the local stack (left running; `npm run stack:down` stops
 * it), builds the app and runs it with ROLE=all, printing the console URL and the admin token.
 */
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { STACK_DIR, up } from './stack/cli';
import { freePort, tcpOpen } from './stack/ports';
import { waitUntil } from './stack/services';

const ROOT = resolve(__dirname, '..');

/** The dev admin token is generated once and kept in .stack/ so restarts keep working logins. */
function adminToken(): string {
  const file = join(STACK_DIR, 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = `cp_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

async function portOr(preferred: number): Promise<number> {
  return (await tcpOpen(preferred, 300)) ? freePort() : preferred;
}

async function main(): Promise<void> {
  const endpoints = await up();
  process.stdout.write('stack: running (stop it with `npm run stack:down`)\n');
  // The server and the console, as the image builds them.
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const port = Number(process.env.PORT ?? (await portOr(8070)));
  const workerPort = Number(process.env.WORKER_PORT ?? (await portOr(8071)));
  const token = process.env.CRON_ADMIN_TOKEN ?? adminToken();
  const app = spawn(process.execPath, [join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      ...process.env,
      ...endpoints,
      ROLE: 'all',
      PORT: String(port),
      WORKER_PORT: String(workerPort),
      CRON_ADMIN_TOKEN: token,
      RUNLOG_SPOOL_DIR: process.env.RUNLOG_SPOOL_DIR ?? join(STACK_DIR, 'spool'),
      LOG_PRETTY: process.env.LOG_PRETTY ?? '1',
    },
  });
  const banner = [
    '',
    `  console:      http://127.0.0.1:${port}/`,
    `  swagger:      http://127.0.0.1:${port}/docs`,
    `  readiness:    http://127.0.0.1:${port}/readyz`,
    `  admin token:  ${token}`,
    '',
  ].join('\n');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.kill(signal));
  app.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  // The banner goes after start-up logs, so it is the last thing on screen.
  await waitUntil(
    async () =>
      (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok === true,
    60000,
    'the app to start',
  );
  process.stdout.write(`${banner}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`dev: ${error.message}\n`);
  process.exit(1);
});
