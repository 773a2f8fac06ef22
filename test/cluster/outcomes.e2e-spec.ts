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
  job: string;
  status: string;
  attempt: number;
  trigger: string;
}

/**
 * Real runs end to end: failures raise exactly one delivered alert each (through NATS and the
 * leader), retries run as separate attempts without alerts, and both roles' /metrics show it.
 */
describe('run outcomes: alerts, retries and metrics', () => {
  const id = isolationId('outcomes');
  const dir = mkdtempSync(join(tmpdir(), 'cronplane-outcomes-'));
  const mongo = new MongoClient(`${testStack().mongoUrl}/${id}`);
  let master: AppProcess;
  let worker: AppProcess;

  const api = async (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${master.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    const env = appEnv(id, {
      CRON_ADMIN_TOKEN: TOKEN,
      SESSION_TTL_SECONDS: '3',
      RUNLOG_FLUSH_MS: '200',
      ALERT_BACKOFF_SECONDS: '1',
    });
    [master, worker] = await Promise.all([
      startApp({ ...env, ROLE: 'master', WORKER_ID: 'outcomes-master' }),
      startApp({
        ...env,
        ROLE: 'worker',
        WORKER_ID: 'outcomes-worker',
        RUNLOG_SPOOL_DIR: join(dir, 'spool'),
      }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([master?.stop(), worker?.stop()]);
    await mongo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers one alert per failed run, none for a retried success, and counts both in /metrics', async () => {
    const receiver = await startReceiver();
    const runs = mongo.db().collection<RunDoc>('runs');
    const counter = join(dir, 'attempts');
    expect(
      (
        await api('POST', '/api/v1/jobs', {
          name: 'failing',
          command: 'echo boom; exit 3',
          cronExpr: '*/2 * * * * *',
          alerts: { onFailure: true, onTimeout: true, webhookUrl: receiver.url },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await api('POST', '/api/v1/jobs', {
          name: 'flaky',
          command: `n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; [ "$n" -ge 3 ]`,
          cronExpr: '0 0 1 1 *',
          retries: { max: 3, backoffSeconds: 1, factor: 1 },
          alerts: { onFailure: true, onTimeout: true, webhookUrl: receiver.url },
        })
      ).status,
    ).toBe(201);
    const manual = await api('POST', '/api/v1/jobs/flaky/run');
    expect(manual.status).toBeLessThan(300);
    const { runId } = (await manual.json()) as { runId: string };

    await waitUntil(
      async () => (await runs.countDocuments({ job: 'failing', status: 'failed' })) >= 3,
      30000,
      'three failed runs',
    );
    await waitUntil(
      async () => (await runs.countDocuments({ job: 'flaky', status: 'succeeded' })) === 1,
      30000,
      'flaky to succeed',
    );
    expect((await api('DELETE', '/api/v1/jobs/failing')).status).toBeLessThan(300);
    await new Promise((r) => setTimeout(r, 1500));

    const failed = (await runs.find({ job: 'failing', status: 'failed' }).toArray())
      .map((r) => r.runId)
      .sort();
    const expected = failed.map((r) => `${r}:failed`);
    const delivered = (): string[] =>
      receiver.received.map((r) => String(r.headers['x-cronplane-alert-id']));
    await waitUntil(
      () => expected.every((a) => delivered().includes(a)),
      30000,
      'alerts for every failed run',
    );
    await new Promise((r) => setTimeout(r, 2000));
    expect([...delivered()].sort()).toEqual(expected);

    const attempts = await runs.find({ job: 'flaky' }).sort({ attempt: 1 }).toArray();
    expect(attempts.map((r) => [r.runId, r.attempt, r.status, r.trigger])).toEqual([
      [runId, 1, 'failed', 'manual'],
      [`${runId}#2`, 2, 'failed', 'retry'],
      [`${runId}#3`, 3, 'succeeded', 'retry'],
    ]);

    const workerMetrics = await (await fetch(`${worker.baseUrl}/metrics`)).text();
    const value = (text: string, series: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(series));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
    };
    expect(
      value(
        workerMetrics,
        'cronplane_runs_total{namespace="default",job="failing",status="failed"',
      ),
    ).toBe(failed.length);
    expect(
      value(
        workerMetrics,
        'cronplane_runs_total{namespace="default",job="flaky",status="succeeded"',
      ),
    ).toBe(1);
    expect(value(workerMetrics, 'cronplane_fire_lateness_seconds_count')).toBeGreaterThanOrEqual(
      failed.length + 3,
    );
    expect(value(workerMetrics, 'cronplane_claims_total{outcome="won"')).toBeGreaterThanOrEqual(
      failed.length,
    );
    expect(value(workerMetrics, 'cronplane_owned_jobs')).toBe(1);
    expect(value(workerMetrics, 'cronplane_runlog_queue_depth')).toBeGreaterThanOrEqual(0);
    expect(value(workerMetrics, 'cronplane_runlog_spool_bytes')).toBe(0);
    expect(value(workerMetrics, 'cronplane_running_runs')).toBe(0);

    const masterMetrics = await (await fetch(`${master.baseUrl}/metrics`)).text();
    expect(value(masterMetrics, 'cronplane_leader')).toBe(1);
    expect(value(masterMetrics, 'cronplane_alerts_total{outcome="delivered"')).toBe(
      expected.length,
    );
    await receiver.close();
  });
});
