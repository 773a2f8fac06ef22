import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Actor } from '../auth/actor';
import { splitJobId } from '../etcd/etcd-keys';
import { AuditQuery, AuditRepository } from './audit.repository';
import { AuditEntry } from './schemas/audit-entry.schema';

export interface AuditFacts {
  /** The job's id (see `jobId`): recorded as its namespace and name. */
  job?: string;
  namespace?: string;
  revision?: number;
  runId?: string;
  subject?: string;
  /** The reason given (X-Cronplane-Override) for changing a job someone else manages. */
  override?: string;
  /** The manager of the job an override was about. */
  managedBy?: string;
  /** A rollback: the version of the job it restored. */
  version?: number;
}

/** Records who changed what. Called after the change has landed in etcd. */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(private readonly repository: AuditRepository) {}

  /**
   * Never fails the request whose change already landed: when MongoDB is away the entry goes to
   * the process log at warn level instead, so it is still kept somewhere.
   */
  async record(actor: Actor, action: string, facts: AuditFacts = {}): Promise<void> {
    const entry: AuditEntry = {
      entryId: `${Date.now().toString(36)}${randomBytes(6).toString('hex')}`,
      at: new Date(),
      tokenName: actor.name,
      tokenId: actor.tokenId,
      role: actor.role,
      via: actor.via,
      action,
      ...facts,
      // A job's entry names it within its namespace.
      ...(facts.job !== undefined
        ? { namespace: splitJobId(facts.job).namespace, job: splitJobId(facts.job).name }
        : {}),
    };
    try {
      await this.repository.insert(entry);
    } catch (error) {
      this.logger.warn({
        msg: 'audit entry not stored; logged here instead',
        audit: entry,
        err: error as Error,
      });
    }
  }

  find(query: AuditQuery): Promise<AuditEntry[]> {
    return this.repository.find(query);
  }
}
