import { Injectable } from '@nestjs/common';
import { EtcdService } from './etcd.service';

/** The high-water mark of one job: the last tick some worker claimed (docs/coordination.md). */
export interface JobState {
  lastTick: number;
  runId: string;
  workerId: string;
  /** Set when the mark moved without a run (missed or skipped ticks). */
  skipped?: boolean;
}

/** A job's mark as read from etcd; revision 0 when the key is absent. */
export interface StateRead {
  state?: JobState;
  revision: number;
}

/** The running key a claim creates on the claiming worker's session lease. */
export interface RunningClaim {
  key: string;
  value: Record<string, unknown>;
  leaseId: string;
  /** Policy forbid: the claim fails while the key exists (one running key per job). */
  exclusive: boolean;
}

export interface TickClaim {
  /** `state/<name>`: the job name, or `<job>@<workerId>` for target mode `all`. */
  stateName: string;
  /** mod_revision of the mark this worker last saw; 0 when it believes the key absent. */
  expectedRevision: number;
  state: JobState;
  /** Omitted to move the mark without starting a run (ticks recorded missed or skipped). */
  running?: RunningClaim;
}

export type ClaimResult =
  | { claimed: true; stateRevision: number }
  /** Someone else moved the mark; `state` is what they wrote. */
  | { claimed: false; reason: 'moved'; state?: JobState; stateRevision: number }
  /** The mark was as expected but the exclusive running key exists (policy forbid). */
  | { claimed: false; reason: 'running'; stateRevision: number; runningValue?: string };

export type TriggerClaim = 'consumed' | 'gone' | 'blocked';

/**
 * The etcd primitives cluster-wide exclusivity is built on: claiming a tick with one
 * compare-and-swap transaction on the job's high-water mark, and consuming a one-shot trigger
 * key so that exactly one worker acts on it. Both attach the running key to the caller's session
 * lease inside the same transaction, so a worker whose lease has expired cannot claim anything:
 * etcd rejects the whole transaction.
 */
@Injectable()
export class LockService {
  constructor(private readonly etcd: EtcdService) {}

  /** `running/<job>` under policy forbid, `running/<job>/<runId>` otherwise. */
  runningKey(job: string, runId: string, exclusive: boolean): string {
    const keys = this.etcd.keys;
    return exclusive ? keys.runningPrefix(job).slice(0, -1) : keys.running(job, runId);
  }

  async readState(stateName: string): Promise<StateRead> {
    const response = await this.etcd.client.get(this.etcd.keys.state(stateName)).exec();
    const kv = response.kvs[0];
    if (!kv) return { revision: 0 };
    return { state: parseState(kv.value.toString()), revision: Number(kv.mod_revision) };
  }

  /**
   * One transaction: If the mark is unchanged [and nothing runs, under forbid] Then move the
   * mark [and create the running key] Else read the mark [and the running key].
   */
  async claimTick(claim: TickClaim): Promise<ClaimResult> {
    const { client, keys } = this.etcd;
    const stateKey = keys.state(claim.stateName);
    const running = claim.running;
    let txn = client.if(stateKey, 'Mod', '==', claim.expectedRevision);
    if (running?.exclusive) txn = txn.and(running.key, 'Create', '==', 0);
    const puts = [client.put(stateKey).value(JSON.stringify(claim.state))];
    if (running) {
      puts.push(
        client.put(running.key).value(JSON.stringify(running.value)).lease(running.leaseId),
      );
    }
    const reads = [client.get(stateKey)];
    if (running?.exclusive) reads.push(client.get(running.key));
    const response = await txn
      .then(...puts)
      .else(...reads)
      .commit();
    if (response.succeeded)
      return { claimed: true, stateRevision: Number(response.header.revision) };
    const stateKv = response.responses[0]?.response_range?.kvs[0];
    const stateRevision = stateKv ? Number(stateKv.mod_revision) : 0;
    if (stateRevision === claim.expectedRevision) {
      const runningKv = response.responses[1]?.response_range?.kvs[0];
      return {
        claimed: false,
        reason: 'running',
        stateRevision,
        runningValue: runningKv?.value.toString(),
      };
    }
    const state = stateKv ? parseState(stateKv.value.toString()) : undefined;
    // The client retries a transaction whose answer came after the call deadline; when the first
    // attempt committed, the retry finds the mark this very claim wrote. That tick is ours.
    if (state && sameMark(state, claim.state)) return { claimed: true, stateRevision };
    return { claimed: false, reason: 'moved', state, stateRevision };
  }

  /**
   * Consumes a trigger: If it exists [and nothing runs, under forbid] Then delete it and create
   * the running key. `blocked` when the trigger waits behind a running run of its job.
   */
  async consumeTrigger(
    key: string,
    running: RunningClaim,
  ): Promise<{ outcome: TriggerClaim; revision: number }> {
    const { client } = this.etcd;
    let txn = client.if(key, 'Create', '>', 0);
    if (running.exclusive) txn = txn.and(running.key, 'Create', '==', 0);
    const response = await txn
      .then(
        client.delete().key(key),
        client.put(running.key).value(JSON.stringify(running.value)).lease(running.leaseId),
      )
      .else(client.get(key), client.get(running.key))
      .commit();
    const revision = Number(response.header.revision);
    if (response.succeeded) return { outcome: 'consumed', revision };
    const exists = (response.responses[0]?.response_range?.kvs.length ?? 0) > 0;
    const runningKv = response.responses[1]?.response_range?.kvs[0];
    // As in claimTick: a retried transaction whose first attempt committed finds the trigger
    // gone and its own running key in place.
    if (!exists && runningKv && sameRunning(runningKv.value.toString(), running.value)) {
      return { outcome: 'consumed', revision: Number(runningKv.create_revision) };
    }
    return { outcome: exists ? 'blocked' : 'gone', revision };
  }

  /** Deletes `key` if it exists; true for the one caller whose delete removed it. */
  async consumeOnce(key: string): Promise<boolean> {
    const { client } = this.etcd;
    const response = await client.if(key, 'Create', '>', 0).then(client.delete().key(key)).commit();
    return (
      response.succeeded && Number(response.responses[0]?.response_delete_range?.deleted ?? 0) === 1
    );
  }

  /** Deletes a running key only while it is still the one this claim created. */
  async releaseRunning(key: string, createRevision: number): Promise<void> {
    const { client } = this.etcd;
    await client.if(key, 'Create', '==', createRevision).then(client.delete().key(key)).commit();
  }
}

function sameMark(a: JobState, b: JobState): boolean {
  return (
    a.lastTick === b.lastTick &&
    a.runId === b.runId &&
    a.workerId === b.workerId &&
    Boolean(a.skipped) === Boolean(b.skipped)
  );
}

function sameRunning(text: string, value: Record<string, unknown>): boolean {
  try {
    const stored = JSON.parse(text) as Record<string, unknown>;
    return stored.runId === value.runId && stored.workerId === value.workerId;
  } catch {
    return false;
  }
}

function parseState(text: string): JobState | undefined {
  try {
    const value = JSON.parse(text) as Partial<JobState>;
    return typeof value.lastTick === 'number' ? (value as JobState) : undefined;
  } catch {
    return undefined;
  }
}
