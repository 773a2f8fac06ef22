import { Injectable } from '@nestjs/common';
import { EtcdService } from '../etcd/etcd.service';
import { prefixStrings } from '../etcd/paged-range';
import { KillRequest, RunningEntry, TriggerRequest } from '../workers/worker.model';

/** How long the mark of a handed-back claim lives: far longer than any retry of its write. */
const HANDED_BACK_TTL_SECONDS = 3600;

/** The kill requests a worker itself writes (policy `replace`) and the running runs it reads. */
@Injectable()
export class WorkerRequestsRepository {
  constructor(private readonly etcd: EtcdService) {}

  /** Runs of `job` executing anywhere now (`running/<job>/<runId>` keys). */
  async runningOf(job: string): Promise<RunningEntry[]> {
    const { client, keys } = this.etcd;
    const values = await prefixStrings(client, keys.runningPrefix(job));
    const entries: RunningEntry[] = [];
    for (const value of Object.values(values)) {
      try {
        entries.push(JSON.parse(value) as RunningEntry);
      } catch {
        // Not ours to interpret.
      }
    }
    return entries;
  }

  /**
   * Hands a claimed tick that never started to the job's owner, as a trigger under the tick's own
   * run id: `If the job exists and handback/<runId> is absent Then put trigger/<job>/<runId>,
   * handback/<runId>`. The second key (on an hour's lease) makes the write happen once, even when
   * the client retries it after the owner has consumed the trigger. False when it was handed back
   * before, or the job is gone.
   */
  async handBack(job: string, request: TriggerRequest): Promise<boolean> {
    const { client, keys } = this.etcd;
    const marker = keys.handedBack(request.runId);
    const lease = await client.leaseClient.leaseGrant({ TTL: HANDED_BACK_TTL_SECONDS });
    const response = await client
      .if(marker, 'Create', '==', 0)
      .and(keys.specOfJob(job), 'Create', '>', 0)
      .then(
        client.put(keys.trigger(job, request.runId)).value(JSON.stringify(request)),
        client.put(marker).value(request.reason).lease(lease.ID),
      )
      .commit();
    return response.succeeded;
  }

  /** `kill/<runId>` on the requesting worker's session lease. */
  async requestKill(runId: string, request: KillRequest, leaseId: string): Promise<void> {
    const { client, keys } = this.etcd;
    await client.put(keys.kill(runId)).value(JSON.stringify(request)).lease(leaseId).exec();
  }

  async deleteKill(target: string): Promise<void> {
    await this.etcd.client.delete().key(this.etcd.keys.kill(target)).exec();
  }
}
