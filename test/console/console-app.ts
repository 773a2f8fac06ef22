/** What the console's browser tests share: building the console, API calls, logging in. */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { AppProcess } from '../support/app-process';

const ROOT = resolve(__dirname, '..', '..');

/** Builds the console the master serves (tsc, then vite), as `npm run build` does. */
export function buildConsole(): void {
  const node = (args: string[]): void =>
    void execFileSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  node([join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'console/tsconfig.json']);
  node([
    join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
    'build',
    '--config',
    'console/vite.config.ts',
    '--logLevel',
    'warn',
  ]);
}

/** One call of the master's API with `token`; throws on an answer other than 2xx. */
export async function apiCall<T = unknown>(
  app: AppProcess,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${app.baseUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Logs in through the login page and waits for the jobs page. */
export async function login(page: Page, app: AppProcess, token: string): Promise<void> {
  await page.goto(`${app.baseUrl}/`);
  await page.waitForURL(/\/login/);
  await page.fill('#token', token);
  await page.press('#token', 'Enter');
  await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
}
