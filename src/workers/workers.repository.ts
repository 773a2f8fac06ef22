import { Injectable, Logger } from '@nestjs/common';
import { EtcdService } from '../etcd/etcd.service';
import { EtcdKeys } from '../etcd/etcd-keys';
import { prefixStrings } from '../etcd/paged-range';
import { RunningEntry, WorkerInfo } from './worker.model';

/** A running entry and the job it belongs to (the key names the job; the value may not). */
export interface RunningRun extends RunningEntry {
  job: string;
}

/**
 * Read side of the worker registry: the live workers (`workers/`) and the runs executing now
 * (`running/`). Both ride on the workers' session leases, so they vanish with a dead worker.
 */
@Injectable()
export class WorkersRepository {
  private readonly logger = new Logger(WorkersRepository.name);

  constructor(private readonly etcd: EtcdService) {}

  async workers(): Promise<WorkerInfo[]> {
    const prefix = this.etcd.keys.workersPrefix();
    // Paged reads come in key order.
    const values = await prefixStrings(this.etcd.client, prefix);
    return Object.entries(values)
      .map(([key, value]) => this.parse<WorkerInfo>(key, value))
      .filter((worker): worker is WorkerInfo => worker !== undefined);
  }

  /**
   * Runs executing now, of one job or all. Keys are `running/<job>/<runId>`, or `running/<job>`
   * for a job under concurrency policy forbid.
   */
  async running(job?: string): Promise<RunningRun[]> {
    const { client, keys } = this.etcd;
    const base = keys.runningPrefix();
    let values: Record<string, string>;
    if (job === undefined) {
      values = await prefixStrings(client, base);
    } else {
      const exclusiveKey = keys.runningPrefix(job).slice(0, -1);
      const exclusive = await client.get(exclusiveKey).string();
      values = await prefixStrings(client, keys.runningPrefix(job));
      if (exclusive !== null) values[exclusiveKey] = exclusive;
    }
    const runs: RunningRun[] = [];
    for (const [key, value] of Object.entries(values)) {
      const tail = EtcdKeys.tail(key, base) ?? '';
      const jobName = tail.split('/')[0];
      if (job !== undefined && jobName !== job) continue;
      const entry = this.parse<RunningEntry>(key, value);
      if (entry) runs.push({ ...entry, job: jobName });
    }
    return runs;
  }

  private parse<T>(key: string, value: string): T | undefined {
    try {
      return JSON.parse(value) as T;
    } catch {
      this.logger.warn({ msg: 'skipping a key whose value is not JSON', key });
      return undefined;
    }
  }
}
