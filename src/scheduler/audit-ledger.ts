import { Injectable, Logger } from '@nestjs/common';
import { EtcdService } from '../etcd/etcd.service';
import { EtcdKeys } from '../etcd/etcd-keys';
import { JobState } from '../etcd/lock.service';
import { listPrefix } from '../etcd/paged-range';
import { WorkerSessionService } from '../workers/worker-session.service';

/** An audit as kept in etcd: which job's claim, and the mark that named it. */
export interface LedgerEntry {
  job: string;
  state: JobState;
}

/**
 * Audits of unrecorded claims outlive their auditor: each is kept at `audit/<runId>` (no lease)
 * while it runs, with `auditing/<runId>` on the auditor's session lease. An audit whose
 * `auditing/` key is gone (its auditor died or lost its session before settling it) is an
 * orphan, which any worker takes over (a create-if-absent of the `auditing/` key decides who).
 * Without this, a worker killed while it waited out an audit's grace period took the audit
 * with it, and the tick stayed unrecorded for good once the job's mark had moved on.
 */
@Injectable()
export class AuditLedger {
  private readonly logger = new Logger(AuditLedger.name);

  constructor(
    private readonly etcd: EtcdService,
    private readonly session: WorkerSessionService,
  ) {}

  private key(kind: 'audit' | 'auditing', runId: string): string {
    return `${this.etcd.keys.prefix}${kind}/${runId}`;
  }

  /** Keeps an audit this worker starts (best effort: a failure only loses the durability). */
  async open(entry: LedgerEntry): Promise<void> {
    const lease = this.session.leaseId;
    if (lease === undefined) return;
    const { client } = this.etcd;
    const runId = entry.state.runId;
    try {
      await client
        .if(this.key('audit', runId), 'Create', '==', 0)
        .then(
          client.put(this.key('audit', runId)).value(JSON.stringify(entry)),
          client.put(this.key('auditing', runId)).value('').lease(lease),
        )
        .else(client.put(this.key('auditing', runId)).value('').lease(lease))
        .commit();
    } catch (error) {
      this.logger.warn({ msg: 'audit not kept in etcd', runId, err: (error as Error).message });
    }
  }

  /** The audit is settled (recorded, or written lost): forget it everywhere. */
  async close(runId: string): Promise<void> {
    const { client } = this.etcd;
    await client
      .if(this.key('audit', runId), 'Create', '>', 0)
      .then(
        client.delete().key(this.key('audit', runId)),
        client.delete().key(this.key('auditing', runId)),
      )
      .commit()
      .catch(() => undefined);
  }

  /** Orphaned audits, each now taken over by this worker (on its lease). */
  async adoptOrphans(): Promise<LedgerEntry[]> {
    const lease = this.session.leaseId;
    if (lease === undefined) return [];
    const { client } = this.etcd;
    const prefix = `${this.etcd.keys.prefix}audit/`;
    const [audits, auditing] = await Promise.all([
      listPrefix(client, prefix),
      listPrefix(client, `${this.etcd.keys.prefix}auditing/`),
    ]);
    const held = new Set(
      auditing.kvs.map((kv) =>
        EtcdKeys.tail(kv.key.toString(), `${this.etcd.keys.prefix}auditing/`),
      ),
    );
    const adopted: LedgerEntry[] = [];
    for (const kv of audits.kvs) {
      const runId = EtcdKeys.tail(kv.key.toString(), prefix);
      if (runId === undefined || held.has(runId)) continue;
      const taken = await client
        .if(this.key('auditing', runId), 'Create', '==', 0)
        .and(this.key('audit', runId), 'Mod', '==', Number(kv.mod_revision))
        .then(client.put(this.key('auditing', runId)).value('').lease(lease))
        .commit();
      if (!taken.succeeded) continue;
      try {
        adopted.push(JSON.parse(kv.value.toString()) as LedgerEntry);
      } catch {
        await this.close(runId);
      }
    }
    return adopted;
  }
}
