import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { MongoClient } from 'mongodb';
import { isolationId, testStack } from '../support/env';

const DIST = resolve(__dirname, '..', '..', 'dist');

/** A master-side HTTP app with only RunStreamModule, from the built code (as the master loads it). */
const APP = `
require('reflect-metadata');
const { NestFactory } = require('@nestjs/core');
const { Module } = require('@nestjs/common');
const { MongooseModule } = require('@nestjs/mongoose');
const { RunStreamModule } = require(${JSON.stringify(`${DIST}/run-stream/run-stream.module`)});
const { ConfigModule } = require(${JSON.stringify(`${DIST}/config/config.module`)});
const { AppConfig } = require(${JSON.stringify(`${DIST}/config/app-config`)});
class Root {}
Module({
  imports: [ConfigModule.forConfig(new AppConfig()), MongooseModule.forRoot(process.env.URI), RunStreamModule],
})(Root);
NestFactory.create(Root, { logger: false })
  .then((app) => app.listen(0, '127.0.0.1').then(() => console.log('PORT ' + app.getHttpServer().address().port)));
`;

interface SseEvent {
  id?: string;
  event: string;
  data: Record<string, unknown>;
}

/** Reads an SSE response until the `end` event (or the deadline). */
async function readEvents(
  url: string,
  headers: Record<string, string>,
  onEvent?: (e: SseEvent) => Promise<void>,
): Promise<SseEvent[]> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(20000) });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return events;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      if (block.startsWith(':')) continue;
      const fields = Object.fromEntries(
        block
          .split('\n')
          .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
      );
      const event = {
        id: fields.id,
        event: fields.event,
        data: JSON.parse(fields.data) as Record<string, unknown>,
      };
      events.push(event);
      await onEvent?.(event);
      if (event.event === 'end') {
        await reader.cancel();
        return events;
      }
    }
  }
}

describe('live output: GET /api/v1/runs/{runId}/stream (RunStreamModule)', () => {
  const stack = testStack();
  const db = isolationId('sse');
  const client = new MongoClient(stack.mongoUrl);
  let app: ChildProcess;
  let base: string;

  beforeAll(async () => {
    app = spawn(process.execPath, ['-e', APP], {
      env: { ...process.env, URI: `${stack.mongoUrl}/${db}` },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    base = await new Promise<string>((done, fail) => {
      app.stdout!.on('data', (chunk: Buffer) => {
        const match = /PORT (\d+)/.exec(chunk.toString());
        if (match) done(`http://127.0.0.1:${match[1]}`);
      });
      app.once('exit', (code) => fail(new Error(`stream app exited ${code}`)));
    });
  });

  afterAll(async () => {
    app.kill('SIGKILL');
    await client.close();
  });

  it('streams output chunks while the run goes, then its end; resumes after Last-Event-ID', async () => {
    const outcomes = client.db(db).collection('runs');
    const active = client.db(db).collection('runs_active');
    const chunks = client.db(db).collection('run_output');
    const runId = 'job@1000';
    const running = {
      runId,
      job: 'job',
      tick: new Date(1000),
      attempt: 1,
      trigger: 'manual',
      status: 'running',
    };
    await active.insertOne({ ...running });
    await chunks.insertOne({ runId, seq: 1, data: 'hello\n', at: new Date() });

    const events = await readEvents(
      `${base}/api/v1/runs/${encodeURIComponent(runId)}/stream`,
      {},
      async (e) => {
        if (e.event === 'output' && e.id === '1') {
          await chunks.insertOne({ runId, seq: 2, data: 'world\n', at: new Date() });
          // As a worker settles a run: the outcome goes into the history, the active record goes.
          await outcomes.insertOne({ ...running, status: 'succeeded', exitCode: 0 });
          await active.deleteOne({ runId });
        }
      },
    );
    expect(events.map((e) => [e.event, e.id])).toEqual([
      ['output', '1'],
      ['output', '2'],
      ['end', undefined],
    ]);
    expect(events[1].data).toEqual({ seq: 2, data: 'world\n' });
    expect(events[2].data).toMatchObject({ runId, status: 'succeeded', exitCode: 0 });

    const resumed = await readEvents(`${base}/api/v1/runs/${encodeURIComponent(runId)}/stream`, {
      'Last-Event-ID': '1',
    });
    expect(resumed.map((e) => e.event)).toEqual(['output', 'end']);
    expect(resumed[0].data).toEqual({ seq: 2, data: 'world\n' });
  });
});
