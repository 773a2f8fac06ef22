import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * One chunk of a running run's live output (collection `run_output`). Chunks are numbered per run
 * so a reader resumes after the last one it saw. They are short-lived: the final output lives in
 * the run record, and old chunks are swept by age (FerretDB v1 has no TTL indexes).
 */
@Schema({ collection: 'run_output', versionKey: false })
export class RunOutputChunk {
  @Prop({ required: true })
  runId!: string;

  @Prop({ required: true })
  seq!: number;

  @Prop({ required: true })
  data!: string;

  @Prop({ required: true })
  at!: Date;
}

export const RunOutputChunkSchema = SchemaFactory.createForClass(RunOutputChunk);
RunOutputChunkSchema.index({ runId: 1, seq: 1 }, { unique: true });
RunOutputChunkSchema.index({ at: 1 });
