import { Injectable } from '@nestjs/common';
import { EtcdService } from '../etcd/etcd.service';
import { prefixStrings } from '../etcd/paged-range';
import { KillRequest, RunningEntry } from '../workers/worker.model';

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

  /** `kill/<runId>` on the requesting worker's session lease. */
  async requestKill(runId: string, request: KillRequest, leaseId: string): Promise<void> {
    const { client, keys } = this.etcd;
    await client.put(keys.kill(runId)).value(JSON.stringify(request)).lease(leaseId).exec();
  }

  async deleteKill(target: string): Promise<void> {
    await this.etcd.client.delete().key(this.etcd.keys.kill(target)).exec();
  }
}
