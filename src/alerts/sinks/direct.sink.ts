import { Injectable, Logger } from '@nestjs/common';
import { AlertEvent } from '../alert.model';
import { AlertDelivery } from '../alert-delivery.service';
import { AlertSink } from './alert-sink';

/**
 * Without NATS: the process that raised the alert delivers it itself, retrying with backoff.
 * Retries still waiting when the process stops are lost (the alert stays `pending` in the
 * alerts collection, where GET /api/v1/alerts shows it).
 */
@Injectable()
export class DirectAlertSink extends AlertSink {
  private readonly logger = new Logger(DirectAlertSink.name);
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly delivery: AlertDelivery) {
    super();
  }

  publish(event: AlertEvent): void {
    this.run(event, 1);
  }

  private run(event: AlertEvent, attempt: number): void {
    if (this.closed) return;
    const task = this.delivery.attempt(event, attempt).then(
      (result) => {
        if (result.outcome !== 'retry') return;
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.run(event, attempt + 1);
        }, result.retryInMs);
        this.timers.add(timer);
      },
      (error: Error) => {
        this.logger.warn({
          msg: 'alert bookkeeping failed; retrying',
          alertId: event.alertId,
          err: error.message,
        });
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.run(event, attempt);
        }, 2000);
        this.timers.add(timer);
      },
    );
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    if (this.timers.size > 0)
      this.logger.warn({ msg: 'alert retries dropped at shutdown', count: this.timers.size });
    await Promise.all(this.inFlight);
  }
}
