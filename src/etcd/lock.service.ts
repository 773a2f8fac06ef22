import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ClaimOutcome, claimOutcome } from './claim-history';
import { EtcdService } from './etcd.service';
import { RevisionCompare, TxnBatcher, TxnGroup, WriteOp } from './txn-batcher';

/** The high-water mark of one job: the last tick some worker claimed (docs/coordination.md). */
export interface JobState {
  lastTick: number;
  runId: string;
  workerId: string;
  /** Set when the mark moved without a run (missed or skipped ticks). */
  skipped?: boolean;
  /**
   * Tells one claim attempt from another of the same tick by the same worker (a claim sent again
   * after the first one's answer was lost), so a claim in doubt is never taken for its successor.
   */
  claim?: string;
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
  /** `runningRevision`: the create revision of the running key, to release only our own. */
  | { claimed: true; stateRevision: number; runningRevision: number }
  /** Someone else moved the mark; `state` is what they wrote. */
  | { claimed: false; reason: 'moved'; state?: JobState; stateRevision: number }
  /** The mark was as expected but the exclusive running key exists (policy forbid). */
  | { claimed: false; reason: 'running'; stateRevision: number; runningValue?: string };

export type TriggerClaim = 'consumed' | 'gone' | 'blocked';

/** A finished run's running key, waiting to be deleted with the next batch of claims. */
interface PendingRelease {
  createRevision: number;
  attempt: number;
  /** Not sent again before this time (backoff after a failed attempt). */
  notBefore: number;
  /** Rides with any claim batch before this time; goes alone only after it. */
  lingerUntil: number;
}

/** Why a claim that folded in its job's last release is tried again without it. */
const RELEASE_VANISHED = Symbol('release vanished');

/**
 * A released running key lingers at most this long for a claim batch to carry its delete; the
 * next tick of an every-second job carries it (a little over a second, so the timer does not
 * race that tick), so a fire costs one raft write, not two.
 */
export const RELEASE_LINGER_MS = 1500;
/** Release attempts over about five minutes (backoff up to 5 s); the lease ends it after that. */
const RELEASE_ATTEMPTS = 64;

/**
 * The etcd primitives cluster-wide exclusivity is built on: claiming a tick with a
 * compare-and-swap on the job's high-water mark, and consuming a one-shot trigger key so that
 * exactly one worker acts on it. Both attach the running key to the caller's session lease in the
 * same compare-and-swap, so a worker whose lease has expired cannot claim anything: etcd rejects
 * the whole transaction. Claims due together share transactions (TxnBatcher), and finished runs'
 * running keys are deleted by the next batch rather than by a transaction of their own.
 */
@Injectable()
export class LockService implements OnApplicationShutdown {
  private readonly logger = new Logger(LockService.name);
  private readonly batcher: TxnBatcher;
  private readonly releases = new Map<string, PendingRelease>();
  private readonly releasesInFlight = new Set<Promise<void>>();
  private releaseTimer?: NodeJS.Timeout;
  private releaseTimerAt = 0;

  constructor(
    private readonly etcd: EtcdService,
    config: AppConfig,
  ) {
    this.batcher = new TxnBatcher(etcd.client, config.ETCD_MAX_TXN_OPS, (riding) =>
      this.sendReleases(riding),
    );
  }

  /** `running/<job>` under policy forbid, `running/<job>/<runId>` otherwise. */
  runningKey(job: string, runId: string, exclusive: boolean): string {
    const keys = this.etcd.keys;
    return exclusive ? keys.runningPrefix(job).slice(0, -1) : keys.running(job, runId);
  }

  async readState(stateName: string): Promise<StateRead> {
    // Batched with the other reads of the same turn (a worker taking over many jobs reads all
    // their marks at once): see state-reader.ts.
    const kv = await this.etcd.batchedReads.read(this.etcd.keys.state(stateName));
    if (!kv) return { revision: 0 };
    return { state: parseState(kv.value.toString()), revision: Number(kv.mod_revision) };
  }

  /**
   * If the mark is unchanged [and nothing runs, under forbid] Then move the mark [and create the
   * running key] Else read the mark [and the running key]. Under forbid, a finished run of the
   * same job whose key still waits for release is not "something running": the claim takes
   * that key over instead (compare on its create revision), and its release is done.
   */
  async claimTick(claim: TickClaim): Promise<ClaimResult> {
    const key = claim.running?.exclusive ? claim.running.key : undefined;
    const folded = key === undefined ? undefined : this.releases.get(key);
    if (key !== undefined && folded) this.releases.delete(key);
    let result: ClaimResult | typeof RELEASE_VANISHED;
    try {
      result = await this.batcher.submit(this.claimGroup(claim, folded?.createRevision ?? 0));
    } catch (error) {
      if (key !== undefined && folded && !this.releases.has(key)) this.releases.set(key, folded);
      throw error;
    }
    if (result !== RELEASE_VANISHED) return result;
    // The finished run's key is gone already (deleted elsewhere, or its lease ended).
    return this.batcher.submit(this.claimGroup(claim, 0)) as Promise<ClaimResult>;
  }

  private claimGroup(
    claim: TickClaim,
    runningCreate: number,
  ): TxnGroup<ClaimResult | typeof RELEASE_VANISHED> {
    const stateKey = this.etcd.keys.state(claim.stateName);
    const running = claim.running;
    const compares: RevisionCompare[] = [
      { key: stateKey, target: 'Mod', op: '==', value: claim.expectedRevision },
    ];
    if (running?.exclusive)
      compares.push({ key: running.key, target: 'Create', op: '==', value: runningCreate });
    const writes: WriteOp[] = [{ type: 'put', key: stateKey, value: JSON.stringify(claim.state) }];
    if (running) {
      writes.push({
        type: 'put',
        key: running.key,
        value: JSON.stringify(running.value),
        lease: running.leaseId,
      });
    }
    return {
      compares,
      writes,
      committed: (revision) => ({
        claimed: true,
        stateRevision: revision,
        runningRevision: runningCreate || revision,
      }),
      refused: (read) => {
        const stateKv = read(stateKey);
        const stateRevision = stateKv ? Number(stateKv.mod_revision) : 0;
        if (stateRevision === claim.expectedRevision && running) {
          const runningKv = read(running.key);
          if (runningCreate !== 0 && !runningKv) return RELEASE_VANISHED;
          return {
            claimed: false,
            reason: 'running',
            stateRevision,
            runningValue: runningKv?.value.toString(),
          };
        }
        const state = stateKv ? parseState(stateKv.value.toString()) : undefined;
        // The client retries a transaction whose answer came after the call deadline; when the
        // first attempt committed, the retry finds the mark this very claim wrote. It is ours.
        if (state && sameMark(state, claim.state))
          return { claimed: true, stateRevision, runningRevision: runningCreate || stateRevision };
        return { claimed: false, reason: 'moved', state, stateRevision };
      },
    };
  }

  /**
   * Whether a claim whose transaction failed without an answer (deadline, disconnect, a pause of
   * this process) committed; see claim-history.ts.
   */
  claimOutcome(
    claim: Pick<TickClaim, 'stateName' | 'expectedRevision' | 'state'>,
  ): Promise<ClaimOutcome> {
    return claimOutcome(
      this.etcd.client,
      this.etcd.keys.state(claim.stateName),
      claim.expectedRevision,
      (value) => {
        const state = parseState(value);
        return state !== undefined && sameMark(state, claim.state);
      },
    );
  }

  /**
   * Consumes a trigger: If it exists [and nothing runs, under forbid] Then delete it and create
   * the running key. `blocked` when the trigger waits behind a running run of its job.
   */
  async consumeTrigger(
    key: string,
    running: RunningClaim,
  ): Promise<{ outcome: TriggerClaim; revision: number }> {
    // A finished run's key waiting for release is not a running run: release it first.
    if (running.exclusive && this.releases.has(running.key)) await this.flushReleases();
    const compares: RevisionCompare[] = [{ key, target: 'Create', op: '>', value: 0 }];
    if (running.exclusive)
      compares.push({ key: running.key, target: 'Create', op: '==', value: 0 });
    return this.batcher.submit({
      compares,
      writes: [
        { type: 'delete', key },
        {
          type: 'put',
          key: running.key,
          value: JSON.stringify(running.value),
          lease: running.leaseId,
        },
      ],
      reads: [running.key],
      committed: (revision) => ({ outcome: 'consumed', revision }),
      refused: (read) => {
        const exists = read(key) !== undefined;
        const runningKv = read(running.key);
        // As in claimTick: a retried transaction whose first attempt committed finds the trigger
        // gone and its own running key in place.
        if (!exists && runningKv && sameRunning(runningKv.value.toString(), running.value)) {
          return { outcome: 'consumed', revision: Number(runningKv.create_revision) };
        }
        return { outcome: exists ? 'blocked' : 'gone', revision: 0 };
      },
    });
  }

  /** Deletes `key` if it exists; true for the one caller whose delete removed it. */
  async consumeOnce(key: string): Promise<boolean> {
    const { client } = this.etcd;
    const response = await client.if(key, 'Create', '>', 0).then(client.delete().key(key)).commit();
    return (
      response.succeeded && Number(response.responses[0]?.response_delete_range?.deleted ?? 0) === 1
    );
  }

  /**
   * Deletes a running key once its run has ended, only while it is still the one the claim
   * created (compare on its create revision). The delete rides with the next batch of claims, or
   * goes alone after RELEASE_LINGER_MS; failed attempts are retried with backoff.
   */
  releaseRunning(key: string, createRevision: number): void {
    const lingerUntil = Date.now() + RELEASE_LINGER_MS;
    this.releases.set(key, { createRevision, attempt: 0, notBefore: 0, lingerUntil });
    this.armReleaseTimer(lingerUntil);
  }

  /** Sends every waiting release now and waits for the answers (shutdown, triggers). */
  async flushReleases(): Promise<void> {
    for (const entry of this.releases.values()) {
      entry.notBefore = 0;
      entry.lingerUntil = 0;
    }
    this.batcher.kick();
    await new Promise<void>((resolve) => setImmediate(resolve));
    await Promise.allSettled([...this.releasesInFlight]);
  }

  /**
   * Runs just before a batch goes out: releases ride along with claims (`riding`); a batch of
   * releases alone (the timer's kick) takes only those whose linger is over, so a kick armed for
   * an earlier release does not send a fresh one alone just before the next claim would carry it.
   */
  private sendReleases(riding: boolean): void {
    const now = Date.now();
    let next = Infinity;
    for (const [key, entry] of this.releases) {
      const due = Math.max(entry.notBefore, riding ? 0 : entry.lingerUntil);
      if (due > now) {
        next = Math.min(next, due);
        continue;
      }
      this.releases.delete(key);
      const task = this.batcher
        .submit<void>({
          compares: [{ key, target: 'Create', op: '==', value: entry.createRevision }],
          writes: [{ type: 'delete', key }],
          // Refused: the key is gone or belongs to a newer claim; either way nothing to release.
          committed: () => undefined,
          refused: () => undefined,
        })
        .catch((error: Error) => this.releaseFailed(key, entry, error))
        .finally(() => this.releasesInFlight.delete(task));
      this.releasesInFlight.add(task);
    }
    if (next !== Infinity) this.armReleaseTimer(next);
  }

  private releaseFailed(key: string, entry: PendingRelease, error: Error): void {
    const attempt = entry.attempt + 1;
    if (attempt >= RELEASE_ATTEMPTS) {
      this.logger.error({
        msg: 'gave up releasing a running key; it ends with the session lease',
        key,
        err: error.message,
      });
      return;
    }
    this.logger.warn({ msg: 'could not release a running key; retrying', key, attempt });
    if (this.releases.has(key)) return; // a newer release of the same key supersedes this one
    const notBefore = Date.now() + Math.min(5000, 250 * 2 ** attempt);
    this.releases.set(key, { ...entry, attempt, notBefore });
    this.armReleaseTimer(notBefore);
  }

  private armReleaseTimer(at: number): void {
    if (this.releaseTimer && this.releaseTimerAt <= at) return;
    clearTimeout(this.releaseTimer);
    this.releaseTimerAt = at;
    this.releaseTimer = setTimeout(
      () => {
        this.releaseTimer = undefined;
        this.batcher.kick();
      },
      Math.max(0, at - Date.now()),
    );
    this.releaseTimer.unref();
  }

  onApplicationShutdown(): void {
    clearTimeout(this.releaseTimer);
  }
}

function sameMark(a: JobState, b: JobState): boolean {
  return (
    a.lastTick === b.lastTick &&
    a.runId === b.runId &&
    a.workerId === b.workerId &&
    a.claim === b.claim &&
    Boolean(a.skipped) === Boolean(b.skipped)
  );
}

function sameRunning(text: string, value: Record<string, unknown>): boolean {
  try {
    const stored = JSON.parse(text) as Record<string, unknown>;
    return (
      stored.runId === value.runId &&
      stored.workerId === value.workerId &&
      stored.claim === value.claim
    );
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
