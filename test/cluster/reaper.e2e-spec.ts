import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { waitUntil } from '../../tools/stack/services';
import { appEnv, isolationId, testStack } from '../support/env';
import { AppProcess, startApp } from '../support/app-process';
import { startReceiver } from '../support/http';

const TOKEN = 'test-admin-token-0123456789';

interface RunDoc {
  runId: string;
  status: string;
  workerId?: string;
  error?: string;
}

/**
 * A worker dies mid-run: the leader marks the run `lost`, retries it when the job allows (on
 * another worker), and otherwise raises a `lost` alert, delivered without NATS (direct mode).
 */
describe('lost runs', () => {
  const id = isolationId('reaper');
  const dir = mkdtempSync(join(tmpdir(), 'cronplane-reaper-'));
  const mongo = new MongoClient(`${testStack().mongoUrl}/${id}`);
  const env = appEnv(id, {
    CRON_ADMIN_TOKEN: TOKEN,
    SESSION_TTL_SECONDS: '3',
    RUNLOG_FLUSH_MS: '100',
    REAPER_INTERVAL_SECONDS: '1',
    NATS_URL: '',
  });
  const processes: AppProcess[] = [];

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await mongo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('marks the run of a SIGKILLed worker lost, retries it elsewhere, and alerts when no retry is left', async () => {
    const receiver = await startReceiver();
    const master = await startApp({ ...env, ROLE: 'master', WORKER_ID: 'reaper-master' });
    processes.push(master);
    const first = await startApp({
      ...env,
      ROLE: 'worker',
      WORKER_ID: 'doomed',
      RUNLOG_SPOOL_DIR: join(dir, 'a'),
    });
    processes.push(first);
    const api = (method: string, path: string, body?: unknown): Promise<Response> =>
      fetch(`${master.baseUrl}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const job = (name: string, retries: number): Record<string, unknown> => ({
      name,
      command: '[ "$CRON_ATTEMPT" = 1 ] && sleep 60; true',
      cronExpr: '0 0 1 1 *',
      retries: { max: retries, backoffSeconds: 1, factor: 1 },
      alerts: { onFailure: true, onTimeout: true, webhookUrl: receiver.url },
    });
    expect((await api('POST', '/jobs', job('retried', 1))).status).toBe(201);
    expect((await api('POST', '/jobs', job('abandoned', 0))).status).toBe(201);
    const retried = ((await (await api('POST', '/jobs/retried/run')).json()) as { runId: string })
      .runId;
    const abandoned = (
      (await (await api('POST', '/jobs/abandoned/run')).json()) as { runId: string }
    ).runId;
    // Outcomes in the history (runs); runs still going, and lost ones, in runs_active.
    const outcomes = mongo.db().collection<RunDoc>('runs');
    const active = mongo.db().collection<RunDoc>('runs_active');
    await waitUntil(
      async () =>
        (await active.countDocuments({
          runId: { $in: [retried, abandoned] },
          status: 'running',
        })) === 2,
      20000,
      'both runs recorded running',
    );

    await first.stop('SIGKILL');
    const second = await startApp({
      ...env,
      ROLE: 'worker',
      WORKER_ID: 'survivor',
      RUNLOG_SPOOL_DIR: join(dir, 'b'),
    });
    processes.push(second);

    await waitUntil(
      async () => (await outcomes.findOne({ runId: `${retried}#2` }))?.status === 'succeeded',
      60000,
      'the retry to succeed',
    );
    expect(await outcomes.countDocuments({ runId: { $in: [retried, abandoned] } })).toBe(0);
    const lost = await active.find({ runId: { $in: [retried, abandoned] } }).toArray();
    expect(lost.map((r) => [r.runId, r.status, r.workerId]).sort()).toEqual(
      [
        [abandoned, 'lost', 'doomed'],
        [retried, 'lost', 'doomed'],
      ].sort(),
    );
    expect(lost[0].error).toMatch(/lost its etcd session/);
    expect((await outcomes.findOne({ runId: `${retried}#2` }))?.workerId).toBe('survivor');
    for (const collection of [outcomes, active])
      expect(await collection.countDocuments({ runId: `${abandoned}#2` })).toBe(0);

    await waitUntil(() => receiver.received.length >= 1, 30000, 'the lost alert');
    await new Promise((r) => setTimeout(r, 2000));
    expect(receiver.received.map((r) => r.headers['x-cronplane-alert-id'])).toEqual([
      `${abandoned}:lost`,
    ]);
    expect(JSON.parse(receiver.received[0].body)).toMatchObject({
      job: 'abandoned',
      status: 'lost',
      runId: abandoned,
    });
    await receiver.close();
  });
});
