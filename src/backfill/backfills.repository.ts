import { Injectable } from '@nestjs/common';
import { EtcdService } from '../etcd/etcd.service';
import { JobState } from '../etcd/lock.service';
import { prefixStrings } from '../etcd/paged-range';
import { TriggerRequest } from '../workers/worker.model';
import { BACKFILL_TTL_SECONDS, BackfillState } from './backfill.model';

export interface StoredBackfill {
  state: BackfillState;
  revision: number;
}

/** What writing a backfill's trigger for a tick came to. */
export type TriggerOutcome = 'queued' | 'ours' | 'taken' | 'noJob';

/** The run ids of a job that something else is handling right now (trigger, hand-back, audit). */
export interface JobKeys {
  guards: Map<string, string>;
  busy: Set<string>;
  mark?: JobState;
}

/**
 * Backfills in etcd: `backfills/<id>` (the state, compare-and-swapped on its revision) and
 * `backfilled/<runId>` (the backfill that triggered the tick), both on the backfill's lease.
 */
@Injectable()
export class BackfillsRepository {
  constructor(private readonly etcd: EtcdService) {}

  /** Grants the backfill's lease; the state and every guard live as long as it. */
  async grantLease(): Promise<string> {
    const lease = await this.etcd.client.leaseClient.leaseGrant({ TTL: BACKFILL_TTL_SECONDS });
    return String(lease.ID);
  }

  /** Creates the state while the job exists; false when it does not. */
  async create(state: BackfillState): Promise<boolean> {
    const { client, keys } = this.etcd;
    const key = keys.backfill(state.id);
    const response = await client
      .if(keys.specOfJob(state.job), 'Create', '>', 0)
      .and(key, 'Create', '==', 0)
      .then(client.put(key).value(JSON.stringify(state)).lease(state.lease))
      .commit();
    return response.succeeded;
  }

  async get(id: string): Promise<StoredBackfill | undefined> {
    const { kvs } = await this.etcd.client.get(this.etcd.keys.backfill(id)).exec();
    if (!kvs[0]) return undefined;
    return {
      state: JSON.parse(kvs[0].value.toString()) as BackfillState,
      revision: Number(kvs[0].mod_revision),
    };
  }

  async list(): Promise<StoredBackfill[]> {
    const { kvs } = await this.etcd.client.getAll().prefix(this.etcd.keys.backfillsPrefix()).exec();
    return kvs
      .map((kv) => ({
        state: JSON.parse(kv.value.toString()) as BackfillState,
        revision: Number(kv.mod_revision),
      }))
      .sort((a, b) => a.state.createdAt.localeCompare(b.state.createdAt));
  }

  /** Writes `state` if the stored one is still at `revision`; the new revision, or undefined. */
  async update(state: BackfillState, revision: number): Promise<number | undefined> {
    const { client, keys } = this.etcd;
    const key = keys.backfill(state.id);
    const response = await client
      .if(key, 'Mod', '==', revision)
      .then(client.put(key).value(JSON.stringify(state)).lease(state.lease))
      .commit();
    return response.succeeded ? Number(response.header.revision) : undefined;
  }

  /** The job's mark, this job's backfill guards, and its run ids being handled elsewhere. */
  async jobKeys(job: string): Promise<JobKeys> {
    const { client, keys } = this.etcd;
    const [mark, guards, triggers, handbacks, audits] = await Promise.all([
      client.get(keys.state(job)).string(),
      prefixStrings(client, keys.runIdsOfJob('backfilled', job)),
      prefixStrings(client, keys.triggerPrefix(job)),
      prefixStrings(client, keys.runIdsOfJob('handback', job)),
      prefixStrings(client, keys.runIdsOfJob('audit', job)),
    ]);
    const tail = (key: string, base: string): string => key.slice(base.length);
    const busy = new Set<string>();
    for (const key of Object.keys(triggers)) busy.add(tail(key, keys.triggerPrefix(job)));
    for (const key of Object.keys(handbacks)) busy.add(tail(key, `${keys.prefix}handback/`));
    for (const key of Object.keys(audits)) busy.add(tail(key, `${keys.prefix}audit/`));
    const guardMap = new Map<string, string>();
    for (const [key, value] of Object.entries(guards))
      guardMap.set(tail(key, `${keys.prefix}backfilled/`), value);
    return {
      guards: guardMap,
      busy,
      mark: mark === null ? undefined : (JSON.parse(mark) as JobState),
    };
  }

  /**
   * Writes the tick's trigger under its own run id, only if no backfill took the tick before and
   * nothing else handles that run id now (a trigger, a hand-back, a lost-claim audit), and only
   * while the job exists: one transaction, so two leaders (or a retried write) never queue a
   * tick twice.
   */
  async trigger(
    job: string,
    backfillId: string,
    lease: string,
    request: TriggerRequest,
  ): Promise<TriggerOutcome> {
    const { client, keys } = this.etcd;
    const guard = keys.backfilled(request.runId);
    const response = await client
      .if(keys.specOfJob(job), 'Create', '>', 0)
      .and(guard, 'Create', '==', 0)
      .and(keys.trigger(job, request.runId), 'Create', '==', 0)
      .and(keys.handedBack(request.runId), 'Create', '==', 0)
      .and(`${keys.prefix}audit/${request.runId}`, 'Create', '==', 0)
      .then(
        client.put(keys.trigger(job, request.runId)).value(JSON.stringify(request)),
        client.put(guard).value(backfillId).lease(lease),
      )
      .else(client.get(guard), client.get(keys.specOfJob(job)))
      .commit();
    if (response.succeeded) return 'queued';
    const [guardRead, specRead] = response.responses.map((r) => r.response_range?.kvs ?? []);
    if (specRead.length === 0) return 'noJob';
    if (guardRead.length > 0 && guardRead[0].value.toString() === backfillId) return 'ours';
    return 'taken';
  }

  /** Withdraws a trigger no worker took yet; true when it was still there. */
  async withdraw(job: string, runId: string): Promise<boolean> {
    const { client, keys } = this.etcd;
    const key = keys.trigger(job, runId);
    const response = await client.if(key, 'Create', '>', 0).then(client.delete().key(key)).commit();
    return response.succeeded;
  }
}
