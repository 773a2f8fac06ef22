import { Injectable } from '@nestjs/common';
import { KillRequest } from '../workers/worker.model';
import { WorkerSessionService } from '../workers/worker-session.service';
import { RunnerService } from './runner.service';
import { WorkerRequestsRepository } from './worker-requests.repository';

/** Concurrency policy `replace`: every running run of a job is asked to stop before a new one. */
@Injectable()
export class ReplaceRunning {
  constructor(
    private readonly session: WorkerSessionService,
    private readonly runner: RunnerService,
    private readonly requests: WorkerRequestsRepository,
  ) {}

  /** Kills this worker's runs of `job` and writes `kill/<runId>` for its runs elsewhere. */
  async stopOthers(job: string): Promise<void> {
    const leaseId = this.session.leaseId;
    if (leaseId === undefined) return;
    const request: KillRequest = {
      requestedBy: `worker ${this.session.workerId} (concurrency policy replace)`,
      at: new Date().toISOString(),
    };
    for (const entry of await this.requests.runningOf(job)) {
      if (this.runner.isRunning(entry.runId))
        this.runner.kill(entry.runId, 'replaced by a newer run');
      else await this.requests.requestKill(entry.runId, request, leaseId);
    }
  }
}
