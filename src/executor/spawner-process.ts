/**
 * Entry point of the spawner process, forked once by the worker (see SpawnerClient).
 *
 * Why it exists: libuv's spawn forks the calling process and blocks its event loop until exec,
 * and fork costs grow with the caller's memory; from a worker of several hundred MB that caps
 * starts at a few hundred per second and stalls everything else the worker does. This process
 * stays small (node builtins only, a small heap), so its forks are cheap and block nobody else.
 *
 * It only spawns, forwards output and reports spawned/failed/exit/closed; timers, stops and
 * signals stay in the worker, which signals the process groups itself. It exits when the worker
 * goes away (the IPC channel disconnects); the detached commands keep running, as they would
 * had the worker spawned them. No imports beyond node builtins (the protocol import is types).
 */
import { ChildProcess, spawn } from 'node:child_process';
import type { SpawnerCommand, SpawnerEvent, SpawnSpec } from './spawner-protocol';

/** Output bytes handed to the IPC channel but not yet written above which commands are paused. */
const PAUSE_AT_BYTES = 16 * 1024 * 1024;
/** ... and below which they flow again. */
const RESUME_AT_BYTES = 4 * 1024 * 1024;

const children = new Map<number, ChildProcess>();
let outbox: SpawnerEvent[] = [];
let unsentBytes = 0;
let paused = false;

/** Queues an event; everything queued in one event-loop turn goes as one message. */
function report(event: SpawnerEvent): void {
  if (outbox.length === 0) setImmediate(flush);
  outbox.push(event);
}

function flush(): void {
  const batch = outbox;
  outbox = [];
  let bytes = 0;
  for (const event of batch) if (event.kind === 'output') bytes += event.chunk.length;
  unsentBytes += bytes;
  // An error means the worker is gone: 'disconnect' follows and this process exits.
  process.send?.(batch, () => {
    unsentBytes -= bytes;
    applyBackpressure();
  });
  applyBackpressure();
}

/** Stops reading commands' output while the worker is behind, so memory here stays bounded. */
function applyBackpressure(): void {
  const pause = paused ? unsentBytes > RESUME_AT_BYTES : unsentBytes > PAUSE_AT_BYTES;
  if (pause === paused) return;
  paused = pause;
  for (const child of children.values()) setFlowing(child, !pause);
}

function setFlowing(child: ChildProcess, flowing: boolean): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (flowing) stream?.resume();
    else stream?.pause();
  }
}

function start(id: number, { file, args, env }: SpawnSpec): void {
  let child: ChildProcess;
  try {
    // Detached: the command leads its own process group, which the worker signals as a whole.
    child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  } catch (error) {
    report({ kind: 'failed', id, message: (error as Error).message });
    return;
  }
  children.set(id, child);
  const forward = (chunk: Buffer): void => report({ kind: 'output', id, chunk });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', forward);
    stream?.on('error', () => undefined);
  }
  if (paused) setFlowing(child, false);
  child.on('error', (error) => {
    // Only a failed spawn (no pid) is reported; 'close' follows it.
    if (child.pid === undefined) report({ kind: 'failed', id, message: error.message });
  });
  child.once('exit', (code, signal) => report({ kind: 'exit', id, code, signal }));
  child.once('close', () => {
    if (children.get(id) === child) children.delete(id);
    report({ kind: 'closed', id });
  });
  if (child.pid !== undefined) report({ kind: 'spawned', id, pid: child.pid, at: Date.now() });
}

/** The worker stopped waiting for output (background children hold the pipes): close them. */
function release(id: number): void {
  const child = children.get(id);
  if (!child) return;
  children.delete(id);
  child.stdout?.destroy();
  child.stderr?.destroy();
}

if (!process.send) {
  process.stderr.write('cronplane spawner: must be started by the worker with an IPC channel\n');
  process.exit(1);
}
/**
 * Starts waiting their turn. Each spawn blocks this loop until exec, and libuv reaps exited
 * children by polling every live child handle on each SIGCHLD, so spawning a burst of hundreds in
 * one turn leaves hundreds of unreaped children whose reaping then costs hundreds of syscalls
 * per exit (measured: 1000 at once took 1.9 s, with the system in the kernel). A few per turn
 * keeps exits reaped as they happen and the live set small.
 */
const waiting: SpawnerCommand[] = [];
let draining = false;
const STARTS_PER_TURN = 64;

function drainStarts(): void {
  for (let i = 0; i < STARTS_PER_TURN && waiting.length > 0; i++) {
    const command = waiting.shift() as SpawnerCommand;
    if (command.kind === 'start') start(command.id, command);
    else if (command.kind === 'release') release(command.id);
  }
  draining = waiting.length > 0;
  if (draining) setImmediate(drainStarts);
}

/**
 * Starts claimed ahead of their tick, grouped by the instant they are due. Their timer fires in
 * this small process, whose loop is rarely busy, and they start in that same turn.
 */
const timed = new Map<number, SpawnerCommand[]>();

function startAt(at: number): void {
  // A timer never fires before its delay on the loop's clock; check the wall clock all the same.
  const wait = at - Date.now();
  if (wait > 0) {
    setTimeout(() => startAt(at), wait);
    return;
  }
  const due = timed.get(at) ?? [];
  timed.delete(at);
  if (due.length === 0) return; // all cancelled
  waiting.push(...due);
  if (!draining) drainStarts();
}

/** Drops a start that has not happened yet (waiting for its instant or its turn). */
function cancel(id: number): void {
  const isIt = (command: SpawnerCommand): boolean => command.kind === 'start' && command.id === id;
  for (const [at, group] of timed) {
    const index = group.findIndex(isIt);
    if (index < 0) continue;
    group.splice(index, 1);
    if (group.length === 0) timed.delete(at);
    report({ kind: 'cancelled', id });
    return;
  }
  const index = waiting.findIndex(isIt);
  if (index < 0) return; // started already: the worker signals the process itself
  waiting.splice(index, 1);
  report({ kind: 'cancelled', id });
}

process.on('message', (batch: SpawnerCommand[]) => {
  for (const command of batch) {
    if (command.kind === 'cancel') {
      cancel(command.id);
      continue;
    }
    const at = command.kind === 'start' ? command.notBefore : undefined;
    if (at === undefined || at <= Date.now()) {
      // Releases are queued too, so a release never overtakes the start it refers to.
      waiting.push(command);
      continue;
    }
    const group = timed.get(at);
    if (group) group.push(command);
    else {
      timed.set(at, [command]);
      startAt(at);
    }
  }
  if (!draining && waiting.length > 0) {
    draining = true;
    setImmediate(drainStarts);
  }
});
process.on('disconnect', () => process.exit(0));
// Signals meant for the worker's process group (Ctrl-C in a terminal, a supervisor's SIGTERM to
// the whole group) must not end this process while the worker drains its runs; it ends with
// the worker's IPC channel instead. Commands start with default signal handling (libuv resets it).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => undefined);
