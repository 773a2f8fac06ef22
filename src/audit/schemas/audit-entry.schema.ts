import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { HydratedDocument } from 'mongoose';

/** One change made through the API; collection `audit`. */
@Schema({ collection: 'audit', versionKey: false })
export class AuditEntry {
  /** Random id; with `at` it orders entries that share a millisecond (the pagination key). */
  @Prop({ required: true, unique: true })
  entryId!: string;

  @Prop({ required: true })
  at!: Date;

  /** Name of the token that made the change. */
  @Prop({ required: true })
  tokenName!: string;

  @Prop({ required: true })
  tokenId!: string;

  @Prop({ required: true })
  role!: string;

  /** `v1`, `compat` (the original crontab's API) or `system` (bootstrap). */
  @Prop({ required: true })
  via!: string;

  /** e.g. `job.create`, `job.run`, `run.kill`, `token.revoke`. */
  @Prop({ required: true })
  action!: string;

  @Prop()
  job?: string;

  /** The job's namespace, or the namespace changed (`namespace.*` actions). */
  @Prop()
  namespace?: string;

  /** The job's etcd revision after the change. */
  @Prop()
  revision?: number;

  @Prop()
  runId?: string;

  /** The token a token action was about. */
  @Prop()
  subject?: string;

  /** The reason given (X-Cronplane-Override) for changing a job someone else manages. */
  @Prop()
  override?: string;

  /** The manager of the job an override was about. */
  @Prop()
  managedBy?: string;

  /** A rollback: the version of the job it restored. */
  @Prop()
  version?: number;
}

export type AuditEntryDocument = HydratedDocument<AuditEntry>;
export const AuditEntrySchema = SchemaFactory.createForClass(AuditEntry);
AuditEntrySchema.index({ at: -1, entryId: -1 });
