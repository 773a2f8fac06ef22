import { Injectable } from '@nestjs/common';
import { EtcdService } from '../etcd/etcd.service';
import { KillRequest, TriggerRequest } from '../workers/worker.model';

/**
 * Requests left in etcd for the job's owner: manual runs and retries (`trigger/<job>/<runId>`,
 * consumed by the job's owner) and kills (`kill/<runId>` or `kill/<job>`, on a short lease so a
 * kill nobody acted on does not linger).
 */
@Injectable()
export class RunRequestsRepository {
  constructor(private readonly etcd: EtcdService) {}

  /** Writes the trigger only while the job exists; false when it does not. */
  async trigger(job: string, request: TriggerRequest): Promise<boolean> {
    const { client, keys } = this.etcd;
    const key = keys.trigger(job, request.runId);
    const response = await client
      .if(keys.specOfJob(job), 'Create', '>', 0)
      .and(key, 'Create', '==', 0)
      .then(client.put(key).value(JSON.stringify(request)))
      .commit();
    return response.succeeded;
  }

  /** `target` is a run id or a job name (every running run of it). */
  async kill(target: string, request: KillRequest, ttlSeconds: number): Promise<void> {
    const { client, keys } = this.etcd;
    const lease = await client.leaseClient.leaseGrant({ TTL: ttlSeconds });
    await client.put(keys.kill(target)).value(JSON.stringify(request)).lease(lease.ID);
  }
}
