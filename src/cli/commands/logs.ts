/** `cronplane logs RUN_ID [-f]`: a run's output; with -f, live until it ends (its exit code). */
import type { Command } from 'commander';
import { ApiError } from '../api-client';
import type { CliContext } from '../command-context';
import { CliError } from '../cli-error';
import { getRun } from '../resources';
import { endSummary, exitCodeOf, RunEnd, SseParser } from '../sse';
import type { RunItem } from '../types';

const FINAL = new Set(['succeeded', 'failed', 'timeout', 'killed', 'lost', 'skipped', 'missed']);
/** Reconnects after a dropped stream before giving up (the stream resumes with Last-Event-ID). */
const MAX_RECONNECTS = 5;

function endOf(run: RunItem): RunEnd {
  return { runId: run.runId, status: run.status, exitCode: run.exitCode, error: run.error };
}

/** Streams a run's output to stdout until its `end` event; resolves with the exit code to use. */
export async function followRun(ctx: CliContext, runId: string): Promise<number> {
  const client = ctx.client();
  const parser = new SseParser();
  const decoder = new TextDecoder();
  let failures = 0;
  for (;;) {
    const headers: Record<string, string> = {};
    if (parser.lastEventId) headers['last-event-id'] = parser.lastEventId;
    let end: RunEnd | undefined;
    try {
      const response = await client.stream(`/api/v1/runs/${encodeURIComponent(runId)}/stream`, {
        headers,
      });
      if (!response.body) throw new CliError('the server sent no stream');
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        for (const event of parser.feed(decoder.decode(chunk, { stream: true }))) {
          if (event.event === 'output') {
            const { data } = JSON.parse(event.data) as { data: string };
            ctx.write(data);
          } else if (event.event === 'end') {
            end = JSON.parse(event.data) as RunEnd;
          }
        }
        if (end) break;
      }
    } catch (error) {
      if (error instanceof ApiError || ++failures > MAX_RECONNECTS) throw error;
      continue;
    }
    if (end) {
      if (end.status === 'unknown') throw new CliError(`run ${runId}: ${end.error ?? 'not found'}`);
      if (end.status !== 'succeeded') ctx.err(endSummary({ ...end, runId }));
      return exitCodeOf(end);
    }
    // The server closes long streams; carry on from the last chunk.
    if (++failures > MAX_RECONNECTS)
      throw new CliError(`run ${runId}: the output stream kept closing`);
  }
}

export function registerLogs(program: Command, ctx: CliContext): void {
  program
    .command('logs')
    .description(
      "Print a run's output; -f follows it live until the run ends and exits with its exit code",
    )
    .argument('<runId>', 'run id (from `cronplane get runs` or `cronplane run`)')
    .option('-f, --follow', 'follow live output until the run ends')
    .action(async (runId: string, opts: { follow?: boolean }) => {
      let run: RunItem | undefined;
      try {
        run = await getRun(ctx.client(), runId);
      } catch (error) {
        // A run just triggered may not be recorded yet: the stream waits for it.
        if (!(opts.follow && error instanceof ApiError && error.status === 404)) throw error;
      }
      if (run && (!opts.follow || FINAL.has(run.status))) {
        if (run.output) ctx.write(run.output);
        if (opts.follow) {
          if (run.status !== 'succeeded') ctx.err(endSummary(endOf(run)));
          process.exitCode = exitCodeOf(endOf(run));
        }
        return;
      }
      process.exitCode = await followRun(ctx, runId);
    });
}
