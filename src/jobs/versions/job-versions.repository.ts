import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { FilterQuery, Model } from 'mongoose';
import { JobSpec } from '../job.model';
import { JobVersion, VersionAction } from './job-version';
import { JobVersionEntry } from './job-version.schema';
import { DUPLICATE_KEY } from '../../mongo/insert-missing';

/** A version without its definition: one row of a history listing. */
export type VersionSummary = Omit<JobVersion, 'spec'>;

/**
 * The `job_versions` collection. Queries are plain equality on (namespace, job), a range on
 * version, sort and limit: what FerretDB v1 serves, on the index of the same fields.
 */
@Injectable()
export class JobVersionsRepository {
  constructor(
    @InjectModel(JobVersionEntry.name) private readonly entries: Model<JobVersionEntry>,
  ) {}

  /** False when MongoDB is not connected now: callers leave the version in etcd for later. */
  connected(): boolean {
    return this.entries.db.readyState === 1;
  }

  /** Stores versions; one already stored (the same namespace, job and number) is kept as is. */
  async insert(versions: JobVersion[]): Promise<void> {
    for (const version of versions) {
      try {
        await this.entries.create(toEntry(version));
      } catch (error) {
        if ((error as { code?: number }).code !== DUPLICATE_KEY) throw error;
      }
    }
  }

  /** Newest first, below version `before` when given. */
  async list(
    namespace: string,
    job: string,
    limit: number,
    before?: number,
  ): Promise<VersionSummary[]> {
    const filter: FilterQuery<JobVersionEntry> =
      before === undefined ? { namespace, job } : { namespace, job, version: { $lt: before } };
    const entries = await this.entries
      .find(filter, { _id: 0, spec: 0 })
      .sort({ version: -1 })
      .limit(limit)
      .lean<Omit<JobVersionEntry, 'spec'>[]>()
      .exec();
    return entries.map((entry) => summaryOf(entry));
  }

  async get(namespace: string, job: string, version: number): Promise<JobVersion | undefined> {
    const entry = await this.entries
      .findOne({ namespace, job, version }, { _id: 0 })
      .lean<JobVersionEntry>()
      .exec();
    return entry ? { ...summaryOf(entry), spec: JSON.parse(entry.spec) as JobSpec } : undefined;
  }
}

function toEntry(version: JobVersion): JobVersionEntry {
  return { ...version, spec: JSON.stringify(version.spec), at: new Date(version.at) };
}

function summaryOf(entry: Omit<JobVersionEntry, 'spec'>): VersionSummary {
  return {
    namespace: entry.namespace,
    job: entry.job,
    version: entry.version,
    action: entry.action as VersionAction,
    revision: entry.revision,
    at: new Date(entry.at).toISOString(),
    tokenName: entry.tokenName,
    tokenId: entry.tokenId ?? '',
    role: entry.role ?? '',
    via: entry.via,
    ...(entry.fromVersion == null ? {} : { fromVersion: entry.fromVersion }),
    ...(entry.override == null ? {} : { override: entry.override }),
  };
}
