import { Injectable } from '@nestjs/common';
import { AlertsService } from '../alerts/alerts.service';
import { JobSpec } from '../jobs/job.model';
import { jobLabels, MetricsService } from '../metrics/metrics.service';
import { RunRecord } from './run-log/run-record';

/**
 * Everything that follows from a run's final record besides the record itself: the runs counter
 * and, when the job asks for it and no retry follows, the alert.
 */
@Injectable()
export class RunOutcomesService {
  constructor(
    private readonly metrics: MetricsService,
    private readonly alerts: AlertsService,
  ) {}

  ended(job: Pick<JobSpec, 'alerts'>, run: RunRecord, options: { retrying?: boolean } = {}): void {
    this.metrics.runs.inc({ ...jobLabels(run.job), status: run.status });
    if (options.retrying) return;
    this.alerts.raiseFor(job, {
      runId: run.runId,
      job: run.job,
      status: run.status,
      attempt: run.attempt,
      tick: run.tick,
      workerId: run.workerId,
      exitCode: run.exitCode,
      error: run.error,
      output: run.output,
    });
  }
}
