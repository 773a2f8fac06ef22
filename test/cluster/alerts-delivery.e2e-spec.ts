import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, JSONCodec, NatsConnection } from 'nats';
import {
  natsSpec,
  RunningService,
  ServiceSpec,
  startService,
  waitUntil,
} from '../../tools/stack/services';
import { AlertEvent } from '../../src/alerts/alert.model';
import { AlertNames } from '../../src/alerts/nats.service';
import { verifySignature } from '../../src/alerts/webhook-signature';
import { appEnv, isolationId, testStack } from '../support/env';
import { AppProcess, startApp } from '../support/app-process';
import { getJson, startReceiver } from '../support/http';

const TOKEN = 'test-admin-token-0123456789';
const SECRET = 'webhook-secret-0123456789';
const codec = JSONCodec<AlertEvent>();

function alert(i: number, webhookUrl: string): AlertEvent {
  const runId = `failing@${1_800_000_000_000 + i * 1000}`;
  return {
    alertId: `${runId}:failed`,
    job: 'failing',
    runId,
    status: 'failed',
    attempt: 1,
    exitCode: 1,
    tick: new Date(1_800_000_000_000 + i * 1000).toISOString(),
    raisedAt: new Date().toISOString(),
    webhookUrl,
  };
}

/**
 * The leader's consumer delivers each alert published to JetStream exactly once to the webhook,
 * through a NATS restart and a leader SIGKILL in the middle of the stream.
 */
describe('alert delivery through NATS JetStream', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cronplane-alerts-'));
  const id = isolationId('alerts');
  let natsServiceSpec: ServiceSpec;
  let nats: RunningService;
  const masters: AppProcess[] = [];
  let publisher: NatsConnection | undefined;

  afterAll(async () => {
    await publisher?.close().catch(() => undefined);
    await Promise.all(masters.map((m) => m.stop('SIGKILL')));
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every alert once, signed, across a NATS restart and a leader failover', async () => {
    natsServiceSpec = await natsSpec(testStack().binaries.nats, join(dir, 'nats'));
    nats = await startService(natsServiceSpec);
    const receiver = await startReceiver((request) =>
      request.body.includes('"flaky@') && Math.random() < 0.5 ? 500 : 200,
    );
    const env = (name: string): Record<string, string> =>
      appEnv(id, {
        ROLE: 'master',
        WORKER_ID: name,
        SESSION_TTL_SECONDS: '3',
        CRON_ADMIN_TOKEN: TOKEN,
        NATS_URL: natsServiceSpec.url,
        ALERT_WEBHOOK_SECRET: SECRET,
        ALERT_BACKOFF_SECONDS: '1',
      });
    masters.push(await startApp(env('alerts-a')), await startApp(env('alerts-b')));

    publisher = await connect({
      servers: natsServiceSpec.url,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 200,
    });
    const js = publisher.jetstream();
    // As the masters' own sink publishes: under this cluster's subjects and message ids.
    const names = new AlertNames(appEnv(id).ETCD_PREFIX);
    const publish = async (event: AlertEvent): Promise<void> => {
      await waitUntil(
        async () => {
          try {
            await js.publish(names.subject(event.job), codec.encode(event), {
              msgID: names.messageId(event.alertId),
              timeout: 2000,
            });
            return true;
          } catch {
            return false;
          }
        },
        30000,
        `publish ${event.alertId}`,
      );
    };
    await waitUntil(
      async () =>
        (await publisher!.jetstreamManager()).streams.info('CRON_ALERTS').then(
          () => true,
          () => false,
        ),
      20000,
      'the alert stream',
    );

    // An alert of another cluster on the same NATS (another ETCD_PREFIX), to the same webhook:
    // its leader's business, never these masters'.
    const foreign = new AlertNames('/another-cluster/');
    await js.publish(foreign.subject('failing'), codec.encode(alert(99, receiver.url)), {
      msgID: foreign.messageId(alert(99, receiver.url).alertId),
    });
    const events = Array.from({ length: 30 }, (_, i) => alert(i, receiver.url));
    for (const event of events.slice(0, 10)) await publish(event);
    // Publishing the same alert again (a worker retrying) must not deliver it twice.
    await publish(events[0]);

    await nats.stop();
    nats = await startService(natsServiceSpec);
    for (const event of events.slice(10, 20)) await publish(event);

    // The leader dies between deliveries: a SIGKILL after the webhook answered but before the
    // delivery was recorded can repeat that one alert (README, "Alerts"); receivers dedupe by
    // X-Cronplane-Alert-Id. What must hold here is that the next leader takes over the durable
    // consumer and delivers the rest, once each.
    await waitUntil(
      async () =>
        (
          await getJson<{ items: { state: string }[] }>(
            `${masters[0].baseUrl}/api/v1/alerts?state=delivered&limit=100`,
            TOKEN,
          )
        ).body.items.length === 20,
      60000,
      'the first 20 alerts delivered and recorded',
    );
    const cluster = await getJson<{ leader: { id: string } }>(
      `${masters[0].baseUrl}/api/v1/cluster`,
      TOKEN,
    );
    const leader = masters.find((m) =>
      m.logs().some((l) => l.msg === 'became leader' && l.workerId === cluster.body.leader.id),
    );
    await leader?.stop('SIGKILL');
    for (const event of events.slice(20)) await publish(event);

    const delivered = (): string[] =>
      receiver.received.map((r) => String(r.headers['x-cronplane-alert-id']));
    await waitUntil(
      () => new Set(delivered()).size === events.length,
      60000,
      'all alerts delivered',
    );
    await new Promise((r) => setTimeout(r, 2000));
    const counts = new Map<string, number>();
    for (const alertId of delivered()) counts.set(alertId, (counts.get(alertId) ?? 0) + 1);
    // Each of this cluster's alerts once, and the other cluster's not at all.
    expect([...counts.values()].filter((n) => n > 1)).toEqual([]);
    expect([...counts.keys()].sort()).toEqual(events.map((e) => e.alertId).sort());
    for (const request of receiver.received) {
      expect(
        verifySignature(request.body, SECRET, request.headers['x-cronplane-signature'] as string),
      ).toBe(true);
    }
    const survivor = masters.find((m) => m !== leader)!;
    const listed = await getJson<{ items: { alertId: string; state: string }[] }>(
      `${survivor.baseUrl}/api/v1/alerts?limit=100`,
      TOKEN,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.items.filter((a) => a.state === 'delivered')).toHaveLength(events.length);
    await receiver.close();
  });
});
