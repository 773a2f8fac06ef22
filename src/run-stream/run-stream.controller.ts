import { CurrentNamespace } from '../namespaces/namespace';
import { namespaceOfRun } from '../jobs/run-id';
import { DomainError } from '../jobs/domain-error';
import { Controller, Get, Logger, Param, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { IncomingMessage, ServerResponse } from 'node:http';
import { RequireRole } from '../auth/require-role.decorator';
import { FINAL_STATUSES } from '../logs/run.model';
import { RunsRepository } from '../logs/runs.repository';
import { RunOutputRepository } from './run-output.repository';

const POLL_MS = 500;
/** A stream for a run that never shows up ends after this long. */
const WAIT_FOR_RUN_MS = 30_000;
/** No stream stays open longer than this; the client reconnects with Last-Event-ID. */
const MAX_STREAM_MS = 60 * 60_000;

/**
 * Live output of a run as Server-Sent Events: `output` events carry numbered chunks (the event
 * id is the chunk number, so a client reconnecting with Last-Event-ID resumes), one `end` event
 * carries the final status. The master polls the chunks the executing worker writes to MongoDB.
 */
@ApiTags('runs')
@Controller(['api/v1/runs', 'api/v1/namespaces/:ns/runs'])
export class RunStreamController {
  private readonly logger = new Logger(RunStreamController.name);

  constructor(
    private readonly output: RunOutputRepository,
    private readonly runs: RunsRepository,
  ) {}

  @Get(':runId/stream')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Live output of a run (Server-Sent Events: output, end)' })
  @ApiProduces('text/event-stream')
  async stream(
    @Param('runId') runId: string,
    @Req() req: IncomingMessage,
    @Res() res: ServerResponse,
    @CurrentNamespace() namespace: string,
  ): Promise<void> {
    // Another namespace's run ids are unknown here (as GET /runs/{runId} answers).
    if (namespaceOfRun(runId) !== namespace)
      throw new DomainError('notFound', `run "${runId}" not found`);
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    let closed = false;
    req.on('close', () => (closed = true));
    const lastEventId = Number(req.headers['last-event-id']);
    let seq = Number.isInteger(lastEventId) && lastEventId > 0 ? lastEventId : 0;
    const opened = Date.now();
    const send = (event: string, data: unknown, id?: number): void => {
      res.write(
        `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`,
      );
    };
    try {
      while (!closed && Date.now() - opened < MAX_STREAM_MS) {
        const run = await this.runs.one(runId, { status: 1, exitCode: 1, error: 1, truncated: 1 });
        for (const chunk of await this.output.after(runId, seq)) {
          seq = chunk.seq;
          send('output', { seq: chunk.seq, data: chunk.data }, chunk.seq);
        }
        if (run && FINAL_STATUSES.includes(run.status)) {
          // Chunks written just before the end arrive with one more read.
          for (const chunk of await this.output.after(runId, seq)) {
            seq = chunk.seq;
            send('output', { seq: chunk.seq, data: chunk.data }, chunk.seq);
          }
          send('end', {
            runId,
            status: run.status,
            exitCode: run.exitCode,
            error: run.error,
            truncated: run.truncated ?? false,
          });
          break;
        }
        if (!run && seq === 0 && Date.now() - opened > WAIT_FOR_RUN_MS) {
          send('end', { runId, status: 'unknown', error: 'no such run' });
          break;
        }
        if (!closed) res.write(': keep-alive\n\n');
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    } catch (error) {
      this.logger.warn({ msg: 'run stream failed', runId, err: (error as Error).message });
      if (!closed) send('error', { message: 'run stream interrupted; reconnect to resume' });
    }
    res.end();
  }
}
