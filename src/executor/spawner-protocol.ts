/**
 * Messages between the worker and its spawner process (see spawner-process.ts). Both directions
 * send arrays: everything queued during one event-loop turn goes as one IPC message. The channel
 * uses `serialization: 'advanced'`, so output chunks travel as Buffers.
 */

/** What to run: `file` with `args`, with exactly `env`; not before `notBefore` (epoch ms). */
export interface SpawnSpec {
  file: string;
  args: string[];
  env: Record<string, string>;
  notBefore?: number;
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
