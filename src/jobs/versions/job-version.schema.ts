import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * One version of a job; collection `job_versions` (see JobVersion). The definition is kept as
 * JSON text: label and env keys may hold dots, which FerretDB v1 refuses as field names.
 */
@Schema({ collection: 'job_versions', versionKey: false })
export class JobVersionEntry {
  @Prop({ required: true })
  namespace!: string;

  @Prop({ required: true })
  job!: string;

  @Prop({ required: true })
  version!: number;

  @Prop({ required: true })
  action!: string;

  /** The whole definition right after the change, JSON. */
  @Prop({ required: true })
  spec!: string;

  @Prop({ required: true })
  revision!: number;

  @Prop({ required: true })
  at!: Date;

  @Prop({ required: true })
  tokenName!: string;

  @Prop()
  tokenId!: string;

  @Prop()
  role!: string;

  @Prop({ required: true })
  via!: string;

  @Prop()
  fromVersion?: number;

  @Prop()
  override?: string;
}

export const JobVersionSchema = SchemaFactory.createForClass(JobVersionEntry);
// Every query names namespace and job; unique, so copying a version twice keeps one.
JobVersionSchema.index({ namespace: 1, job: 1, version: 1 }, { unique: true });
