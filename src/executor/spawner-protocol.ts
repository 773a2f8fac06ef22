/**
 * Messages between the worker and its spawner (native/spawner.c), and their wire format: frames
 * of a little-endian u32 length followed by that many bytes, a kind byte and its fields. The C
 * side documents the same layout; change both together.
 */
import { constants } from 'node:os';

/**
 * Whom a command runs as: `identity` is `user` or `user:group` (names or numeric ids), resolved
 * by the spawner on its machine; `allowRoot` lets it be uid 0, or a named group of gid 0.
 */
export interface SpawnIdentity {
  identity: string;
  allowRoot: boolean;
}

/**
 * What to run: `file` with `args`, with exactly `env`; not before `notBefore` (epoch ms); with
 * `stdin` as its standard input (then end of file), else /dev/null; as `runAs` (HOME, USER and
 * LOGNAME then come from its passwd entry unless `env` sets them), else as the spawner's user.
 */
export interface SpawnSpec {
  file: string;
  args: string[];
  env: Record<string, string>;
  notBefore?: number;
  stdin?: string | Buffer;
  runAs?: SpawnIdentity;
}

/** Worker → spawner. */
export type SpawnerCommand =
  | ({ kind: 'start'; id: number } & SpawnSpec)
  /** The worker stopped waiting for the pipes (background children hold them): close them. */
  | { kind: 'release'; id: number }
  /** The run was stopped before its start: drop the start if it has not happened yet. */
  | { kind: 'cancel'; id: number };

/** Spawner → worker, in the order things happened for each run. */
export type SpawnerEvent =
  /** `at`: the spawner's clock (epoch ms) when the process had started. */
  | { kind: 'spawned'; id: number; pid: number; at: number }
  | { kind: 'failed'; id: number; message: string }
  /** A start dropped on request before it happened: no process ever ran. */
  | { kind: 'cancelled'; id: number }
  | { kind: 'output'; id: number; chunk: Buffer }
  | { kind: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'closed'; id: number };

/** `startAs` (4) is a start with an identity; a start without one keeps kind 1 and its layout. */
const COMMAND_KINDS = { start: 1, release: 2, cancel: 3, startAs: 4 } as const;
/** startAs flags: the identity may be root. */
const START_AS_ROOT = 1;
const EVENT_KINDS = ['spawned', 'failed', 'cancelled', 'output', 'exit', 'closed'] as const;
/** A frame larger than this means the stream is broken (the spawner caps its own the same). */
const MAX_FRAME = 64 * 1024 * 1024;

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

/** The reason a spec cannot be started, or undefined: exec takes no NUL inside its strings. */
export function invalidSpec(spec: SpawnSpec): string | undefined {
  const strings = [
    spec.file,
    ...spec.args,
    ...Object.entries(spec.env).flat(),
    ...(spec.runAs ? [spec.runAs.identity] : []),
  ];
  if (strings.some((s) => s.includes('\0')))
    return 'command, arguments, environment or runAs contain a NUL byte';
  if (Object.keys(spec.env).some((name) => name === '' || name.includes('='))) {
    return 'environment variable names must be non-empty and contain no "="';
  }
  return undefined;
}

/** One batch of commands as frames, ready to write to the spawner's stdin. */
export function encodeCommands(commands: readonly SpawnerCommand[]): Buffer {
  const frames = commands.map((command) => {
    if (command.kind !== 'start') {
      const frame = Buffer.alloc(9);
      frame.writeUInt32LE(5, 0);
      frame.writeUInt8(COMMAND_KINDS[command.kind], 4);
      frame.writeUInt32LE(command.id, 5);
      return frame;
    }
    const env = Object.entries(command.env).map(([name, value]) => `${name}=${value}`);
    const { runAs } = command;
    // startAs: the identity is the first string, and u32 flags follow the counts.
    const identity = runAs ? [runAs.identity] : [];
    const strings = Buffer.from(
      [...identity, command.file, ...command.args, ...env].join('\0') + '\0',
    );
    // Optional trailer: u32 length and the stdin bytes (no trailer: /dev/null).
    const input = stdinTrailer(command.stdin);
    const head = Buffer.alloc(runAs ? 29 : 25);
    head.writeUInt32LE(head.length - 4 + strings.length + input.length, 0);
    head.writeUInt8(runAs ? COMMAND_KINDS.startAs : COMMAND_KINDS.start, 4);
    head.writeUInt32LE(command.id, 5);
    head.writeDoubleLE(command.notBefore ?? 0, 9);
    head.writeUInt32LE(command.args.length, 17);
    head.writeUInt32LE(env.length, 21);
    if (runAs) head.writeUInt32LE(runAs.allowRoot ? START_AS_ROOT : 0, 25);
    return Buffer.concat([head, strings, input]);
  });
  return Buffer.concat(frames);
}

function stdinTrailer(stdin: string | Buffer | undefined): Buffer {
  if (stdin === undefined) return Buffer.alloc(0);
  const bytes = typeof stdin === 'string' ? Buffer.from(stdin, 'utf8') : stdin;
  const length = Buffer.alloc(4);
  length.writeUInt32LE(bytes.length, 0);
  return Buffer.concat([length, bytes]);
}

/** Cuts the spawner's stdout into events; throws on a frame that cannot be one. */
export class EventDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): SpawnerEvent[] {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const events: SpawnerEvent[] = [];
    let at = 0;
    while (data.length - at >= 4) {
      const length = data.readUInt32LE(at);
      if (length < 5 || length > MAX_FRAME) throw new Error(`bad frame length ${length}`);
      if (data.length - at - 4 < length) break;
      events.push(decodeEvent(data.subarray(at + 4, at + 4 + length)));
      at += 4 + length;
    }
    this.pending = at === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(at));
    return events;
  }
}

function decodeEvent(frame: Buffer): SpawnerEvent {
  const kind = EVENT_KINDS[frame.readUInt8(0) - 1];
  const id = frame.readUInt32LE(1);
  const need = (bytes: number): void => {
    if (frame.length < bytes) throw new Error(`short ${kind} frame (${frame.length} bytes)`);
  };
  switch (kind) {
    case 'spawned':
      need(17);
      return { kind, id, pid: frame.readUInt32LE(5), at: frame.readDoubleLE(9) };
    case 'failed':
      return { kind, id, message: frame.toString('utf8', 5) };
    case 'output':
      // A copy: a view would keep the whole read buffer alive as long as the run keeps its output.
      return { kind, id, chunk: Buffer.from(frame.subarray(5)) };
    case 'exit': {
      need(13);
      const code = frame.readInt32LE(5);
      const signal = frame.readInt32LE(9);
      return {
        kind,
        id,
        code: code < 0 ? null : code,
        signal: signal === 0 ? null : (SIGNAL_NAMES.get(signal) ?? null),
      };
    }
    case 'cancelled':
    case 'closed':
      return { kind, id };
    default:
      throw new Error(`unknown event kind ${frame.readUInt8(0)}`);
  }
}
