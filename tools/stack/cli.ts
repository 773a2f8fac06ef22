/**
 * `npm run stack:up | stack:down | stack:status`: the developer's local stack under .stack/,
 * left running in the background between commands. Prints endpoints as NAME=value lines.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stopPostgresPid } from './postgres';
import { isAlive, stopPid } from './services';
import { endpointsOf, startStack, StackEndpoints } from './stack';

export const STACK_DIR = resolve(__dirname, '..', '..', '.stack');
const STATE_FILE = join(STACK_DIR, 'state.json');

export interface StackState {
  endpoints: StackEndpoints;
  pids: Record<string, number>;
}

export function readState(): StackState | undefined {
  if (!existsSync(STATE_FILE)) return undefined;
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as StackState;
}

function allAlive(state: StackState): boolean {
  return Object.values(state.pids).every(isAlive);
}

function print(endpoints: StackEndpoints): void {
  for (const [name, value] of Object.entries(endpoints)) process.stdout.write(`${name}=${value}\n`);
}

async function down(): Promise<void> {
  const state = readState();
  if (!state) return;
  const { postgres, ...servers } = state.pids;
  await Promise.all(Object.values(servers).map((pid) => stopPid(pid)));
  // PostgreSQL (MONGO_BACKEND=ferretdb-pg) after FerretDB, whose sessions on it have ended.
  if (postgres !== undefined) await stopPostgresPid(postgres);
  rmSync(STATE_FILE, { force: true });
}

/** Starts the stack unless it is already running; returns its endpoints. */
export async function up(): Promise<StackEndpoints> {
  const state = readState();
  if (state && allAlive(state)) return state.endpoints;
  await down();
  const stack = await startStack(STACK_DIR, { detached: true });
  const next: StackState = {
    endpoints: endpointsOf(stack),
    pids: Object.fromEntries(
      Object.entries(stack).flatMap(([name, s]) => (s ? [[name, s.pid]] : [])),
    ),
  };
  writeFileSync(STATE_FILE, JSON.stringify(next, null, 2));
  return next.endpoints;
}

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'up':
      print(await up());
      return 0;
    case 'down':
      await down();
      return 0;
    case 'status': {
      const state = readState();
      if (!state) {
        process.stdout.write('stack: not running\n');
        return 1;
      }
      for (const [name, pid] of Object.entries(state.pids)) {
        process.stdout.write(`${name}: pid ${pid} ${isAlive(pid) ? 'running' : 'stopped'}\n`);
      }
      print(state.endpoints);
      return allAlive(state) ? 0 : 1;
    }
    default:
      process.stderr.write('usage: stack up|down|status\n');
      return 2;
  }
}

if (require.main === module) {
  main(process.argv[2]).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`stack: ${error.message}\n`);
      process.exit(1);
    },
  );
}
