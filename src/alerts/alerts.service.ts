import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import {
  AlertEvent,
  AlertingStatus,
  alertIdOf,
  alertsFor,
  outputTail,
  webhookOf,
} from './alert.model';
import { AlertsRepository, NO_WEBHOOK } from './alerts.repository';
import { AlertSink } from './sinks/alert-sink';
import { JobSpec } from '../jobs/job.model';
import { RunStatus } from '../logs/run.model';

export interface EndedRun {
  runId: string;
  job: string;
  status: RunStatus;
  attempt: number;
  tick: number;
  workerId?: string;
  exitCode?: number;
  error?: string;
  output?: string;
}

/** Raises alerts for ended runs: records them and hands them to the configured sink. */
@Injectable()
export class AlertsService implements OnApplicationShutdown {
  private readonly logger = new Logger(AlertsService.name);

  constructor(
    private readonly sink: AlertSink,
    private readonly repository: AlertsRepository,
    private readonly config: AppConfig,
  ) {}

  /** Raises an alert when the job's switches ask for one; returns it, or undefined. */
  raiseFor(job: Pick<JobSpec, 'alerts'>, run: EndedRun): AlertEvent | undefined {
    if (!alertsFor(job, run.status)) return undefined;
    const status: AlertingStatus = run.status;
    const event: AlertEvent = {
      alertId: alertIdOf(run.runId, status),
      job: run.job,
      runId: run.runId,
      status,
      attempt: run.attempt,
      workerId: run.workerId,
      exitCode: run.exitCode,
      error: run.error,
      tick: new Date(run.tick).toISOString(),
      raisedAt: new Date().toISOString(),
      webhookUrl: job.alerts.webhookUrl,
      outputTail: outputTail(run.output),
    };
    // The record is for GET /alerts; the sink works without it, so MongoDB being away is no reason to wait.
    const initial = webhookOf(event, this.config.ALERT_WEBHOOK_URL) ? undefined : NO_WEBHOOK;
    this.repository.recordRaised(event, initial).catch((error: Error) => {
      this.logger.warn({
        msg: 'alert not recorded yet',
        alertId: event.alertId,
        err: error.message,
      });
    });
    this.logger.log({
      msg: 'alert raised',
      job: run.job,
      runId: run.runId,
      status,
      alertId: event.alertId,
    });
    this.sink.publish(event);
    return event;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sink.close();
  }
}
