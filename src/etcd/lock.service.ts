import { Injectable } from '@nestjs/common';
import { EtcdService } from './etcd.service';

/** The high-water mark of one job: the last tick some worker claimed (docs/coordination.md). */
export interface JobState {
  lastTick: number;
  runId: string;
  workerId: string;
}

export interface TickClaim {
  job: string;
  tick: number;
  runId: string;
  workerId: string;
  /** mod_revision of `state/<job>` this worker last saw; 0 when it believes the key absent. */
  expectedRevision: number;
  /** The worker's session lease; the running key dies with it. */
  leaseId: string;
  /** Body of the running key, e.g. `{workerId, startedAt}`. */
  running: Record<string, unknown>;
  /**
   * Policy forbid: the single running key `running/<job>` must be absent, and is the one written.
   * Otherwise the running key is `running/<job>/<runId>`.
   */
  exclusive: boolean;
}

export type ClaimResult =
  | { claimed: true; stateRevision: number }
  | { claimed: false; state?: JobState; stateRevision: number };

/**
 * The two etcd primitives cluster-wide exclusivity is built on: claiming a tick with one
 * compare-and-swap transaction on the job's high-water mark, and consuming a one-shot key
 * (triggers) so that exactly one worker acts on it.
 */
@Injectable()
export class LockService {
  constructor(private readonly etcd: EtcdService) {}

  runningKey(claim: Pick<TickClaim, 'job' | 'runId' | 'exclusive'>): string {
    const keys = this.etcd.keys;
    return claim.exclusive
      ? keys.runningPrefix(claim.job).slice(0, -1)
      : keys.running(claim.job, claim.runId);
  }

  /** One transaction: If state unchanged [and nothing running] Then move the mark Else read it. */
  async claimTick(claim: TickClaim): Promise<ClaimResult> {
    const { client, keys } = this.etcd;
    const stateKey = keys.state(claim.job);
    const runningKey = this.runningKey(claim);
    const state: JobState = { lastTick: claim.tick, runId: claim.runId, workerId: claim.workerId };
    let txn = client.if(stateKey, 'Mod', '==', claim.expectedRevision);
    if (claim.exclusive) txn = txn.and(runningKey, 'Create', '==', 0);
    const response = await txn
      .then(
        client.put(stateKey).value(JSON.stringify(state)),
        client.put(runningKey).value(JSON.stringify(claim.running)).lease(claim.leaseId),
      )
      .else(client.get(stateKey))
      .commit();
    if (response.succeeded)
      return { claimed: true, stateRevision: Number(response.header.revision) };
    const kv = response.responses[0]?.response_range?.kvs[0];
    if (!kv) return { claimed: false, stateRevision: 0 };
    return {
      claimed: false,
      state: JSON.parse(kv.value.toString()) as JobState,
      stateRevision: Number(kv.mod_revision),
    };
  }

  /** Deletes `key` if it exists; true for the one caller whose delete removed it. */
  async consumeOnce(key: string): Promise<boolean> {
    const { client } = this.etcd;
    const response = await client.if(key, 'Create', '>', 0).then(client.delete().key(key)).commit();
    return (
      response.succeeded && Number(response.responses[0]?.response_delete_range?.deleted ?? 0) === 1
    );
  }
}
