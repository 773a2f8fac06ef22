import { Injectable, Logger } from '@nestjs/common';
import { JSONCodec } from 'nats';
import { backoffDelay } from '../../common/backoff';
import { AlertEvent } from '../alert.model';
import { NatsService } from '../nats.service';
import { AlertSink } from './alert-sink';

const codec = JSONCodec<AlertEvent>();
const FLUSH_ON_CLOSE_MS = 5000;

/**
 * With NATS: alerts go to the JetStream stream (subject `cron.alerts.<cluster>.<job>`), with the
 * alert id as message id so JetStream drops a re-publish. An outbox keeps each alert until JetStream has
 * acknowledged it, retrying through NATS outages.
 */
@Injectable()
export class JetStreamAlertSink extends AlertSink {
  private readonly logger = new Logger(JetStreamAlertSink.name);
  private readonly outbox: AlertEvent[] = [];
  private draining?: Promise<void>;
  private closing = false;

  constructor(private readonly nats: NatsService) {
    super();
  }

  publish(event: AlertEvent): void {
    this.outbox.push(event);
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  private async drain(): Promise<void> {
    let failures = 0;
    while (this.outbox.length > 0) {
      const event = this.outbox[0];
      try {
        const js = await this.nats.jetstream();
        const names = this.nats.names;
        await js.publish(names.subject(event.job), codec.encode(event), {
          msgID: names.messageId(event.alertId),
          timeout: 5000,
        });
        this.outbox.shift();
        failures = 0;
      } catch (error) {
        failures += 1;
        if (this.closing) return;
        const delay = backoffDelay(failures, { baseMs: 250, factor: 2, maxMs: 5000 });
        this.logger.warn({
          msg: 'alert publish failed; retrying',
          alertId: event.alertId,
          queued: this.outbox.length,
          delay,
          err: (error as Error).message,
        });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async close(): Promise<void> {
    if (this.draining) {
      await Promise.race([this.draining, new Promise((r) => setTimeout(r, FLUSH_ON_CLOSE_MS))]);
    }
    this.closing = true;
    if (this.outbox.length > 0) {
      this.logger.error({
        msg: 'alerts not handed to NATS before shutdown',
        count: this.outbox.length,
        alertIds: this.outbox.map((e) => e.alertId),
      });
    }
  }
}
