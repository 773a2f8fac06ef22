import { JobSpec } from '../jobs/job.model';
import { RunStatus } from '../logs/run.model';

/** Run outcomes that raise an alert (subject to the job's `alerts` switches). */
export const ALERTING_STATUSES = ['failed', 'timeout', 'lost', 'missed'] as const;
export type AlertingStatus = (typeof ALERTING_STATUSES)[number];

/** What goes on the queue and, as JSON, to the webhook. */
export interface AlertEvent {
  /** `<runId>:<status>`: the idempotency key (JetStream message id, alerts record, webhook header). */
  alertId: string;
  job: string;
  runId: string;
  status: AlertingStatus;
  attempt: number;
  workerId?: string;
  exitCode?: number;
  error?: string;
  /** Scheduled tick, ISO time. */
  tick: string;
  /** When the alert was raised, ISO time. */
  raisedAt: string;
  /** The job's own webhook; the global ALERT_WEBHOOK_URL applies when absent. */
  webhookUrl?: string;
  /** Last lines of the run's output, if any. */
  outputTail?: string;
}

export function alertIdOf(runId: string, status: AlertingStatus): string {
  return `${runId}:${status}`;
}

/** Whether a run that ended with `status` alerts, given the job's switches. */
export function alertsFor(
  job: Pick<JobSpec, 'alerts'>,
  status: RunStatus,
): status is AlertingStatus {
  switch (status) {
    case 'failed':
    case 'lost':
    case 'missed':
      return job.alerts.onFailure;
    case 'timeout':
      return job.alerts.onTimeout;
    default:
      return false;
  }
}

/** The last `maxChars` characters of output, starting at a line boundary when there is one. */
export function outputTail(output: string | undefined, maxChars = 2000): string | undefined {
  if (!output) return undefined;
  if (output.length <= maxChars) return output;
  const tail = output.slice(-maxChars);
  const newline = tail.indexOf('\n');
  return newline >= 0 && newline < tail.length - 1 ? tail.slice(newline + 1) : tail;
}

/** Where an alert goes: the job's own webhook, else the cluster's default, else nowhere. */
export function webhookOf(
  event: Pick<AlertEvent, 'webhookUrl'>,
  fallback?: string,
): string | undefined {
  return event.webhookUrl ?? fallback;
}
