import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConsumerMessages, JSONCodec, JsMsg } from 'nats';
import { AlertEvent } from '../alerts/alert.model';
import { AlertDelivery } from '../alerts/alert-delivery.service';
import { ALERT_STREAM, NatsService } from '../alerts/nats.service';
import { LeaderElection } from './leader-election.service';

const codec = JSONCodec<AlertEvent>();

/**
 * The leader's side of alerting with NATS: drains the durable consumer and delivers each alert.
 * Only the leader consumes; a message it has not acknowledged when leadership moves is
 * redelivered to the next leader, and the alerts record stops a second delivery of an alert
 * that was already delivered.
 */
@Injectable()
export class AlertDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlertDispatcher.name);
  private messages?: ConsumerMessages;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly nats: NatsService,
    private readonly delivery: AlertDelivery,
    private readonly election: LeaderElection,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.nats.enabled) return;
    this.election.onChange((leading) => {
      if (leading) this.running ??= this.consume().finally(() => (this.running = undefined));
      else this.messages?.stop();
    });
  }

  private async consume(): Promise<void> {
    while (!this.stopped && this.election.isLeader()) {
      try {
        const js = await this.nats.jetstream();
        const consumer = await js.consumers.get(ALERT_STREAM, this.nats.names.consumer);
        this.messages = await consumer.consume({ max_messages: 16 });
        // Shutdown or demotion may have happened while the consumer was being set up.
        if (this.stopped || !this.election.isLeader()) break;
        for await (const message of this.messages) {
          if (this.stopped || !this.election.isLeader()) break;
          await this.handle(message);
        }
      } catch (error) {
        if (!this.stopped)
          this.logger.warn({
            msg: 'alert consumer error; restarting',
            err: (error as Error).message,
          });
      } finally {
        this.messages?.stop();
        this.messages = undefined;
      }
      if (!this.stopped && this.election.isLeader()) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  private async handle(message: JsMsg): Promise<void> {
    let event: AlertEvent;
    try {
      event = codec.decode(message.data);
    } catch {
      this.logger.error({ msg: 'unreadable alert message dropped', seq: message.seq });
      message.term();
      return;
    }
    try {
      const result = await this.delivery.attempt(event, message.info.redeliveryCount);
      if (result.outcome === 'retry') message.nak(result.retryInMs);
      else message.ack();
    } catch (error) {
      // Bookkeeping failed (MongoDB away): let JetStream redeliver later.
      this.logger.warn({
        msg: 'alert handling failed; will be redelivered',
        alertId: event.alertId,
        err: (error as Error).message,
      });
      message.nak(5000);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.messages?.stop();
    await this.running;
  }
}
