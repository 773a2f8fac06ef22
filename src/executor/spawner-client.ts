import { ChildProcess, spawn } from 'node:child_process';
import { Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import { SPAWNER_BINARY } from './spawner-binary';
import {
  encodeCommands,
  EventDecoder,
  invalidSpec,
  SpawnerCommand,
  SpawnerEvent,
  SpawnSpec,
} from './spawner-protocol';

/** A spawner that dies sooner than this after its start counts as dying immediately. */
const QUICK_DEATH_MS = 1000;
/** Wait before starting another after the first immediate death; doubles per further one. */
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5000;
/** After the spawner exited, how long its stdout may take to deliver its last events. */
const OUTPUT_END_WAIT_MS = 1000;
/** How long close() waits for the spawner to exit after its stdin ended before killing it. */
const CLOSE_TIMEOUT_MS = 2000;
/**
 * Starts handed to the spawner and not yet confirmed, at most: the rest wait here. Keeps the
 * spawner's own queue short, so it reaps exited commands between starts and a backlog (more due
 * than the machine can fork) stays visible to the worker instead of piling up out of its sight.
 */
const MAX_UNCONFIRMED = 128;

/** Receives what the spawner reports about one run. */
export interface SpawnSink {
  event(event: SpawnerEvent): void;
  /** The spawner process died (or never started) while the run was in its hands. */
  lost(reason: string): void;
}

/** How to start the spawner process. */
export interface SpawnerEntry {
  file: string;
  args: string[];
}

interface Entry {
  sink: SpawnSink;
  /** The spawner process the start command was handed to. */
  sentTo?: ChildProcess;
}

/**
 * The worker's side of the spawner (native/spawner.c): starts it at first use, writes commands
 * batched per event-loop turn to its stdin, routes the events it reports on stdout to their runs,
 * and when the process dies hands every run it held to `lost` and starts a new one for the next
 * start (backing off if it keeps dying at once). Beyond refusing a spec exec cannot take, it never
 * throws into callers: every failure ends as `lost` on the runs concerned.
 */
export class SpawnerClient {
  private readonly logger = new Logger(SpawnerClient.name);
  private readonly runs = new Map<number, Entry>();
  private outbox: SpawnerCommand[] = [];
  private flushScheduled = false;
  private child?: ChildProcess;
  private quickDeaths = 0;
  private notBefore = 0;
  private retryTimer?: NodeJS.Timeout;
  private closing = false;
  private nextId = 1;
  /** Starts sent to the current spawner that it has not yet reported spawned or failed. */
  private unconfirmed = 0;
  /** Starts stay in the outbox while this is false (kick() when it may have changed). */
  gate: () => boolean = () => true;

  constructor(private readonly entry: SpawnerEntry = { file: SPAWNER_BINARY, args: [] }) {}

  /** Starts waiting in this process for their turn to go to the spawner. */
  get backlog(): number {
    return this.outbox.length;
  }

  /** Queues a start; the returned id names the run in `finish`. Throws on a spec exec refuses. */
  start(spec: SpawnSpec, sink: SpawnSink): number {
    const invalid = invalidSpec(spec);
    if (invalid) throw new TypeError(invalid);
    const id = this.nextId++;
    this.runs.set(id, { sink });
    this.enqueue({ kind: 'start', id, ...spec });
    this.updateRef();
    return id;
  }

  /**
   * The run was stopped before it was reported spawned: its start is dropped if it has not
   * happened yet, and the run hears `cancelled`; otherwise it hears `spawned` as usual.
   */
  cancel(id: number): void {
    const index = this.outbox.findIndex((c) => c.kind === 'start' && c.id === id);
    if (index >= 0) {
      // Still here: it never reached the spawner.
      this.outbox.splice(index, 1);
      const sink = this.runs.get(id)?.sink;
      queueMicrotask(() => sink?.event({ kind: 'cancelled', id }));
      return;
    }
    if (this.runs.get(id)?.sentTo === this.child) this.enqueue({ kind: 'cancel', id });
  }

  /** The run has its result; `releasePipes` when the spawner should close its pipes now. */
  finish(id: number, releasePipes: boolean): void {
    const entry = this.runs.get(id);
    if (!entry) return;
    this.runs.delete(id);
    if (releasePipes && entry.sentTo !== undefined && entry.sentTo === this.child) {
      this.enqueue({ kind: 'release', id });
    }
    this.updateRef();
  }

  /** Ends the spawner's stdin (it exits; running commands are not touched) and waits for it. */
  async close(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const child = this.child;
    if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    this.closing = true;
    try {
      // 'close': exited and its stdout drained, so its runs have heard everything (see watch).
      const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
      child.stdin?.end();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), CLOSE_TIMEOUT_MS);
      });
      const outcome = await Promise.race([closed, late]);
      clearTimeout(timer);
      if (outcome === 'late') child.kill('SIGKILL');
    } finally {
      this.closing = false;
    }
  }

  /** Sends what the gate held back, if it is open now. */
  kick(): void {
    if (this.outbox.length > 0) this.scheduleFlush();
  }

  private enqueue(command: SpawnerCommand): void {
    this.outbox.push(command);
    this.scheduleFlush();
  }

  /** Everything queued during this event-loop turn goes as one message. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.outbox.length === 0) return;
    const child = this.child ?? this.launch();
    if (!child) return;
    const batch: SpawnerCommand[] = [];
    const held: SpawnerCommand[] = [];
    const open = this.gate();
    for (const command of this.outbox) {
      if (command.kind === 'start' && (!open || this.unconfirmed >= MAX_UNCONFIRMED)) {
        held.push(command);
        continue;
      }
      batch.push(command);
      const entry = command.kind === 'start' ? this.runs.get(command.id) : undefined;
      if (entry) {
        entry.sentTo = child;
        this.unconfirmed += 1;
      }
    }
    this.outbox = held;
    if (batch.length === 0) return;
    const broken = (error: Error): void => {
      // Should not happen while the process lives; killing it fails its runs instead of
      // leaving them waiting for answers that will never come.
      this.logger.error({ msg: 'could not send to the executor process', err: error.message });
      child.kill('SIGKILL');
    };
    try {
      child.stdin?.write(encodeCommands(batch));
    } catch (error) {
      broken(error as Error);
    }
  }

  /** Starts the spawner, unless it is backing off (a timer flushes later) or that fails. */
  private launch(): ChildProcess | undefined {
    const wait = this.notBefore - Date.now();
    if (wait > 0) {
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = undefined;
        this.flush();
      }, wait);
      return undefined;
    }
    let child: ChildProcess;
    try {
      child = spawn(this.entry.file, this.entry.args, {
        // It needs nothing from the worker's environment (secrets); commands get exactly their
        // request's env.
        env: {},
        stdio: ['pipe', 'pipe', 'inherit'],
      });
    } catch (error) {
      this.failQueued(`executor process could not be started: ${(error as Error).message}`);
      return undefined;
    }
    this.child = child;
    this.watch(child, Date.now());
    // Neither the process nor its idle pipes keep the worker alive (see updateRef).
    child.unref();
    this.updateRef();
    this.logger.debug({ msg: 'executor process started', pid: child.pid });
    return child;
  }

  /** Routes the spawner's reports to their runs, and notices when the spawner is gone. */
  private watch(child: ChildProcess, startedAt: number): void {
    let gone = false;
    let failure: Error | undefined;
    let exitReason: string | undefined;
    let exitTimer: NodeJS.Timeout | undefined;
    const lose = (reason: string): void => {
      if (gone) return;
      gone = true;
      clearTimeout(exitTimer);
      this.lost(child, startedAt, reason);
    };
    const decoder = new EventDecoder();
    let outputEnded = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      let events: SpawnerEvent[];
      try {
        events = decoder.push(chunk);
      } catch (error) {
        // Should not happen: a stream that cannot be read fails its runs instead of hanging them.
        this.logger.error({
          msg: 'unreadable executor process output',
          err: (error as Error).message,
        });
        child.kill('SIGKILL');
        return;
      }
      for (const event of events) {
        if (event.kind === 'spawned' || event.kind === 'failed' || event.kind === 'cancelled')
          this.confirmed(child);
        this.runs.get(event.id)?.sink.event(event);
      }
    });
    // Writes to a spawner that died fail with EPIPE; its exit fails the runs.
    child.stdin?.on('error', () => undefined);
    child.on('error', (error) => {
      failure = error;
      if (child.pid === undefined) lose(`executor process could not be started: ${error.message}`);
      else this.logger.warn({ msg: 'executor process error', pid: child.pid, err: error.message });
    });
    // Gone once it exited and its stdout delivered the last events.
    const loseIfGone = (): void => {
      if (exitReason !== undefined && outputEnded) lose(exitReason);
    };
    child.stdout?.once('close', () => {
      outputEnded = true;
      loseIfGone();
    });
    child.once('exit', (code, signal) => {
      const how = signal ? `signal ${signal}` : `code ${code ?? 'unknown'}`;
      const cause = failure ? `: ${failure.message}` : '';
      const reason = `executor process exited (${how})${cause} before the run ended`;
      exitReason = reason;
      loseIfGone();
      // Should its stdout somehow stay open, its runs must not wait for it.
      if (!gone) exitTimer = setTimeout(() => lose(reason), OUTPUT_END_WAIT_MS);
    });
  }

  /** A start was answered: the next waiting ones may go. */
  private confirmed(child: ChildProcess): void {
    if (child !== this.child) return;
    this.unconfirmed = Math.max(0, this.unconfirmed - 1);
    if (this.outbox.length > 0) this.scheduleFlush();
  }

  private lost(child: ChildProcess, startedAt: number, reason: string): void {
    if (this.child === child) {
      this.child = undefined;
      this.unconfirmed = 0;
    }
    this.backOff(Date.now() - startedAt < QUICK_DEATH_MS);
    const orphans = [...this.runs].filter(([, entry]) => entry.sentTo === child);
    const context = { pid: child.pid, runs: orphans.length, reason };
    if (orphans.length > 0) {
      this.logger.error({ msg: 'executor process lost; failing its runs', ...context });
    } else if (this.closing) {
      this.logger.log({ msg: 'executor process stopped', pid: child.pid });
    } else {
      this.logger.warn({ msg: 'executor process lost while idle', ...context });
    }
    for (const [id, entry] of orphans) {
      this.runs.delete(id);
      entry.sink.lost(reason);
    }
    // Releases were meant for the dead process; starts still queued go to the next one.
    this.outbox = this.outbox.filter((command) => command.kind === 'start');
    if (this.outbox.length > 0) this.scheduleFlush();
    this.updateRef();
  }

  /** Fails the runs whose start is still queued (the spawner could not even be started). */
  private failQueued(reason: string): void {
    this.logger.error({ msg: 'executor process could not be started', reason });
    this.backOff(true);
    const queued = this.outbox;
    this.outbox = [];
    for (const command of queued) {
      const entry = this.runs.get(command.id);
      if (command.kind !== 'start' || !entry) continue;
      this.runs.delete(command.id);
      entry.sink.lost(reason);
    }
    this.updateRef();
  }

  /** After a spawner that died at once, the next start waits, longer each time in a row. */
  private backOff(quickDeath: boolean): void {
    this.quickDeaths = quickDeath ? this.quickDeaths + 1 : 0;
    this.notBefore =
      this.quickDeaths === 0
        ? 0
        : Date.now() + Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (this.quickDeaths - 1));
  }

  /** The spawner's pipes keep the worker alive only while runs are in flight. */
  private updateRef(): void {
    for (const stream of [this.child?.stdin, this.child?.stdout]) {
      if (!(stream instanceof Socket)) continue;
      if (this.runs.size > 0) stream.ref();
      else stream.unref();
    }
  }
}
