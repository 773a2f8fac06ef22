import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { FilterQuery, Model } from 'mongoose';
import { AuditEntry } from './schemas/audit-entry.schema';
import { DEFAULT_NAMESPACE } from '../namespaces/namespace';

export interface AuditQuery {
  /** Entries of one namespace (entries written before namespaces count as `default`). */
  namespace?: string;
  job?: string;
  action?: string;
  /** Entries strictly older than this (at, entryId) position: the pagination cursor. */
  before?: { at: Date; entryId: string };
  limit: number;
}

/**
 * The `audit` collection. Queries stay within what FerretDB serves: find, sort, limit, and
 * plain comparisons (no transactions, no $facet or $lookup).
 */
@Injectable()
export class AuditRepository {
  constructor(@InjectModel(AuditEntry.name) private readonly entries: Model<AuditEntry>) {}

  async insert(entry: AuditEntry): Promise<void> {
    await this.entries.create(entry);
  }

  /** Newest first. */
  async find(query: AuditQuery): Promise<AuditEntry[]> {
    const conditions: FilterQuery<AuditEntry>[] = [];
    if (query.namespace === DEFAULT_NAMESPACE)
      conditions.push({ $or: [{ namespace: DEFAULT_NAMESPACE }, { namespace: { $exists: false } }] });
    else if (query.namespace !== undefined) conditions.push({ namespace: query.namespace });
    if (query.job !== undefined) conditions.push({ job: query.job });
    if (query.action !== undefined) conditions.push({ action: query.action });
    if (query.before) {
      const { at, entryId } = query.before;
      conditions.push({ $or: [{ at: { $lt: at } }, { at, entryId: { $lt: entryId } }] });
    }
    const filter: FilterQuery<AuditEntry> = conditions.length > 0 ? { $and: conditions } : {};
    return this.entries
      .find(filter, { _id: 0 })
      .sort({ at: -1, entryId: -1 })
      .limit(query.limit)
      .lean<AuditEntry[]>()
      .exec();
  }
}
