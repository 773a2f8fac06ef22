import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { HydratedDocument } from 'mongoose';
import { RUN_STATUSES, RUN_TRIGGERS, RunStatus, RunTrigger } from '../run.model';

/** One execution (or a recorded non-execution: skipped, missed) of a job; collection `runs`. */
@Schema({ collection: 'runs', versionKey: false })
export class Run {
  @Prop({ required: true, unique: true })
  runId!: string;

  @Prop({ required: true })
  job!: string;

  /** The scheduled time (epoch ms as a Date). */
  @Prop({ required: true })
  tick!: Date;

  @Prop({ required: true, default: 1 })
  attempt!: number;

  @Prop({ required: true, enum: RUN_TRIGGERS })
  trigger!: RunTrigger;

  @Prop()
  workerId?: string;

  @Prop({ required: true, enum: RUN_STATUSES })
  status!: RunStatus;

  @Prop()
  command?: string;

  @Prop()
  exitCode?: number;

  @Prop()
  signal?: string;

  @Prop()
  error?: string;

  @Prop()
  output?: string;

  @Prop({ default: false })
  truncated?: boolean;

  @Prop()
  startedAt?: Date;

  @Prop()
  endedAt?: Date;

  @Prop()
  durationMs?: number;

  @Prop()
  latenessMs?: number;

  /** Trigger `dependency`: the parent's job id and the run that started this one. */
  @Prop()
  parentJob?: string;

  @Prop()
  parentRunId?: string;
}

export type RunDocument = HydratedDocument<Run>;
export const RunSchema = SchemaFactory.createForClass(Run);
RunSchema.index({ job: 1, tick: -1 });

/**
 * Runs without a settled outcome live apart from the history, in `runs_active`: `running`
 * records and the placeholders (`lost`) that a late outcome may still replace. Outcomes are only
 * ever inserted into `runs`, and a run's active record is deleted once its outcome is stored, so
 * every statement that filters (FerretDB v1 scans the whole collection for each) runs against
 * this small collection instead of the history. Same schema as `runs`.
 */
export const ACTIVE_RUN = 'ActiveRun';
export const ACTIVE_RUNS_COLLECTION = 'runs_active';
