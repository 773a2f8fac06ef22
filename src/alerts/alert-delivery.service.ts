import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { backoffDelay } from '../common/backoff';
import { AlertEvent, webhookOf } from './alert.model';
import { AlertsRepository, NO_WEBHOOK } from './alerts.repository';
import { ALERT_ID_HEADER, SIGNATURE_HEADER, signBody } from './webhook-signature';

export type DeliveryOutcome =
  | { outcome: 'delivered' | 'dead' | 'skipped' | 'duplicate' }
  | { outcome: 'retry'; retryInMs: number };

const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * One delivery attempt of one alert to its webhook, with the bookkeeping in `alerts`: an alert
 * already delivered (or given up) is never sent again, whoever asks; a failed attempt is
 * retried with backoff until ALERT_MAX_ATTEMPTS, then dead-lettered.
 */
@Injectable()
export class AlertDelivery {
  private readonly logger = new Logger(AlertDelivery.name);

  constructor(
    private readonly config: AppConfig,
    private readonly repository: AlertsRepository,
    private readonly metrics: MetricsService,
  ) {}

  async attempt(event: AlertEvent, attempt: number): Promise<DeliveryOutcome> {
    const result = await this.tryOnce(event, attempt);
    if (result.outcome !== 'duplicate') this.metrics.alerts.inc({ outcome: result.outcome });
    return result;
  }

  private async tryOnce(event: AlertEvent, attempt: number): Promise<DeliveryOutcome> {
    const url = webhookOf(event, this.config.ALERT_WEBHOOK_URL);
    if (!url) {
      // Nowhere to send it: recorded `skipped` by one insert-if-absent, with no read or update
      // (each a full collection scan on FerretDB v1, which a storm of missed ticks made fatal).
      await this.repository.recordRaised(event, NO_WEBHOOK);
      return { outcome: 'skipped' };
    }
    await this.repository.recordRaised(event);
    const state = await this.repository.stateOf(event.alertId);
    if (state && state !== 'pending') return { outcome: 'duplicate' };
    const context = { job: event.job, runId: event.runId, alertId: event.alertId, attempt };
    const webhookHost = new URL(url).host;
    try {
      await this.post(url, event);
      await this.repository.markAttempt(event.alertId, attempt, 'delivered', { webhookHost });
      this.logger.log({ msg: 'alert delivered', ...context, webhookHost });
      return { outcome: 'delivered' };
    } catch (error) {
      const lastError = (error as Error).message;
      if (attempt >= this.config.ALERT_MAX_ATTEMPTS) {
        await this.repository.markAttempt(event.alertId, attempt, 'dead', {
          lastError,
          webhookHost,
        });
        this.logger.error({ msg: 'alert dead-lettered', ...context, webhookHost, err: lastError });
        return { outcome: 'dead' };
      }
      await this.repository.markAttempt(event.alertId, attempt, 'pending', {
        lastError,
        webhookHost,
      });
      const retryInMs = backoffDelay(attempt, {
        baseMs: this.config.ALERT_BACKOFF_SECONDS * 1000,
        factor: 2,
        maxMs: 5 * 60_000,
      });
      this.logger.warn({
        msg: 'alert delivery failed; will retry',
        ...context,
        webhookHost,
        retryInMs,
        err: lastError,
      });
      return { outcome: 'retry', retryInMs };
    }
  }

  private async post(url: string, event: AlertEvent): Promise<void> {
    const body = JSON.stringify(event);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [ALERT_ID_HEADER]: event.alertId,
    };
    if (this.config.ALERT_WEBHOOK_SECRET)
      headers[SIGNATURE_HEADER] = signBody(body, this.config.ALERT_WEBHOOK_SECRET);
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`webhook answered HTTP ${response.status}`);
  }
}
