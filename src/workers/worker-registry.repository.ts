import { Injectable } from '@nestjs/common';
import { EtcdService } from '../etcd/etcd.service';
import { WorkerInfo } from './worker.model';

/** Write side of the worker registry: this worker's session lease and its `workers/<id>` key. */
@Injectable()
export class WorkerRegistryRepository {
  constructor(private readonly etcd: EtcdService) {}

  async grantLease(ttlSeconds: number): Promise<{ id: string; ttlSeconds: number }> {
    const response = await this.etcd.client.leaseClient.leaseGrant({ TTL: ttlSeconds });
    return { id: String(response.ID), ttlSeconds: Number(response.TTL) };
  }

  /** One keep-alive; resolves with the TTL etcd granted (0: the lease no longer exists). */
  async keepAlive(leaseId: string, timeoutMs: number): Promise<number> {
    const stream = await this.etcd.client.leaseClient.leaseKeepAlive();
    try {
      return await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no keep-alive answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
        stream.on('data', (response: { TTL: string | number }) => {
          clearTimeout(timer);
          resolve(Number(response.TTL));
        });
        stream.on('error', (error: Error) => {
          clearTimeout(timer);
          reject(error);
        });
        stream.write({ ID: leaseId });
      });
    } finally {
      stream.end();
    }
  }

  async revokeLease(leaseId: string): Promise<void> {
    await this.etcd.client.leaseClient.leaseRevoke({ ID: leaseId });
  }

  async register(info: WorkerInfo, leaseId: string): Promise<void> {
    await this.etcd.client
      .put(this.etcd.keys.worker(info.id))
      .value(JSON.stringify(info))
      .lease(leaseId)
      .exec();
  }

  async deregister(workerId: string): Promise<void> {
    await this.etcd.client.delete().key(this.etcd.keys.worker(workerId)).exec();
  }
}
