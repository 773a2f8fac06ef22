import { createHash } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  AckPolicy,
  JetStreamClient,
  JetStreamManager,
  NatsConnection,
  RetentionPolicy,
  StorageType,
  connect,
  nanos,
} from 'nats';
import { AppConfig } from '../config/app-config';
import { natsSecurity } from '../config/connection-security';

export const ALERT_STREAM = 'CRON_ALERTS';
export const ALERT_SUBJECT_PREFIX = 'cron.alerts';
/** JetStream drops a re-published alert id within this window: publishing retries are safe. */
const DUPLICATE_WINDOW_MS = 60 * 60 * 1000;
const MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
const ACK_WAIT_MS = 30_000;

/**
 * Names of one cluster's alerts in the shared stream. Clusters (one per `ETCD_PREFIX`) may share
 * a NATS server as they share an etcd: each publishes under `cron.alerts.<cluster>.<job>` with
 * message ids `<cluster>:<alert id>`, and its leader drains its own durable consumer, filtered to
 * its subjects. With one consumer for all, a leader delivered other clusters' alerts, and waited
 * behind their dead webhooks before delivering its own.
 */
export class AlertNames {
  /** 12 hex digits of the prefix's SHA-256: a subject token whatever the prefix holds. */
  readonly cluster: string;

  constructor(etcdPrefix: string) {
    this.cluster = createHash('sha256').update(etcdPrefix).digest('hex').slice(0, 12);
  }

  subject(job: string): string {
    return `${ALERT_SUBJECT_PREFIX}.${this.cluster}.${job}`;
  }

  get filter(): string {
    return `${ALERT_SUBJECT_PREFIX}.${this.cluster}.>`;
  }

  get consumer(): string {
    return `alert-delivery-${this.cluster}`;
  }

  messageId(alertId: string): string {
    return `${this.cluster}:${alertId}`;
  }
}

/**
 * The NATS connection (when NATS_URL is set), reconnecting forever, and the alert stream and
 * this cluster's durable consumer, declared idempotently.
 */
@Injectable()
export class NatsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NatsService.name);
  private connection?: Promise<NatsConnection>;
  private declared?: Promise<void>;
  private closed = false;
  /** Set when NATS refused this process's credentials or certificate: readiness is then 503. */
  refused?: string;

  readonly names: AlertNames;

  constructor(private readonly config: AppConfig) {
    this.names = new AlertNames(config.ETCD_PREFIX);
  }

  /** Connects at start, so a refused credential or certificate is said at once. */
  onApplicationBootstrap(): void {
    if (this.enabled) void this.probe();
  }

  /**
   * One connection attempt, not retried: the connection proper waits for NATS to come, and stays
   * silent about a NATS that refuses it.
   */
  private async probe(): Promise<void> {
    try {
      const nc = await connect({
        servers: this.config.NATS_URL,
        ...natsSecurity(this.config),
        waitOnFirstConnect: false,
        reconnect: false,
        timeout: 3000,
      });
      await nc.close();
    } catch (error) {
      this.refuse((error as Error).message);
    }
  }

  private refuse(message: string): void {
    const refusal = describeNatsRefusal(message);
    if (!refusal || this.refused) return;
    this.refused = refusal;
    this.logger.error({ msg: refusal, err: message });
  }

  get enabled(): boolean {
    return (this.config.NATS_URL?.length ?? 0) > 0;
  }

  private connect(): Promise<NatsConnection> {
    this.connection ??= connect({
      servers: this.config.NATS_URL,
      ...natsSecurity(this.config),
      name: `cronplane-${this.config.ROLE}-${this.config.WORKER_ID}`,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: true,
    }).then((nc) => {
      void (async () => {
        for await (const status of nc.status()) {
          if (status.type === 'disconnect' || status.type === 'reconnect') {
            this.logger.warn({ msg: `nats ${status.type}`, data: String(status.data) });
          }
        }
      })();
      return nc;
    });
    this.connection.catch((error: Error) => this.refuse(error.message));
    return this.connection;
  }

  async jetstream(): Promise<JetStreamClient> {
    const nc = await this.connect();
    await this.declare(nc);
    return nc.jetstream();
  }

  async manager(): Promise<JetStreamManager> {
    const nc = await this.connect();
    await this.declare(nc);
    return nc.jetstreamManager();
  }

  private declare(nc: NatsConnection): Promise<void> {
    this.declared ??= (async () => {
      const jsm = await nc.jetstreamManager();
      const stream = {
        name: ALERT_STREAM,
        subjects: [`${ALERT_SUBJECT_PREFIX}.>`],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        duplicate_window: nanos(DUPLICATE_WINDOW_MS),
        max_age: nanos(MAX_AGE_MS),
      };
      try {
        await jsm.streams.info(ALERT_STREAM);
        await jsm.streams.update(ALERT_STREAM, stream);
      } catch {
        await jsm.streams.add(stream);
      }
      await jsm.consumers.add(ALERT_STREAM, {
        durable_name: this.names.consumer,
        filter_subject: this.names.filter,
        ack_policy: AckPolicy.Explicit,
        ack_wait: nanos(ACK_WAIT_MS),
        max_deliver: -1,
      });
    })().catch((error: Error) => {
      this.declared = undefined;
      throw error;
    });
    return this.declared;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.closed || !this.connection) return;
    this.closed = true;
    const nc = await Promise.race([
      this.connection.catch(() => undefined),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 1000)),
    ]);
    await nc?.drain().catch(() => undefined);
  }
}

/** What a failed connection says about the credentials, if it is their fault. */
export function describeNatsRefusal(message: string): string | undefined {
  if (/authorization violation|authentication|user|password|creds/i.test(message))
    return 'NATS refuses this process: wrong user, password or creds (NATS_USER, NATS_PASSWORD_FILE, NATS_CREDS_FILE)';
  if (/certificate|handshake|SSL|TLS|self.signed|unable to verify/i.test(message))
    return 'NATS refuses this process: the TLS connection failed (NATS_CA_FILE, NATS_CERT_FILE, NATS_KEY_FILE)';
  return undefined;
}
