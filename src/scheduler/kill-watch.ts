import { Etcd3 } from 'etcd3';
import { EtcdKeys } from '../etcd/etcd-keys';
import { PrefixMirror } from '../workers/prefix-mirror';
import { killReason } from './membership';
import { RunnerService } from './runner.service';
import { WorkerRequestsRepository } from './worker-requests.repository';

/**
 * Kill requests (`kill/<job>`, or `kill/<job>@<run>` for one run), acted on as they arrive;
 * requests made while the watch was down arrive with its re-listing. A request for one run is
 * deleted once this worker has killed that run.
 */
export class KillWatch {
  private readonly mirror: PrefixMirror;

  constructor(
    client: Etcd3,
    keys: EtcdKeys,
    private readonly runner: Pick<RunnerService, 'kill'>,
    private readonly requests: Pick<WorkerRequestsRepository, 'deleteKill'>,
  ) {
    this.mirror = new PrefixMirror(client, keys.killPrefix(), 'kills', (e) => {
      if (e.type === 'put') this.onKill(e.key, e.value);
      if (e.type === 'reset') for (const [key, value] of e.entries) this.onKill(key, value);
    });
  }

  start(): Promise<void> {
    return this.mirror.start();
  }

  stop(): void {
    this.mirror.stop();
  }

  private onKill(target: string, value: string): void {
    if (this.runner.kill(target, killReason(value)) > 0 && target.includes('@')) {
      void this.requests.deleteKill(target).catch(() => undefined);
    }
  }
}
