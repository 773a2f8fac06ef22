import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { HydratedDocument, Schema as MongooseSchema } from 'mongoose';

export const DELIVERY_STATES = ['pending', 'delivered', 'dead', 'skipped'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** One alert and its webhook delivery; collection `alerts`. */
@Schema({ collection: 'alerts', versionKey: false })
export class Alert {
  @Prop({ required: true, unique: true })
  alertId!: string;

  @Prop({ required: true })
  job!: string;

  @Prop({ required: true })
  runId!: string;

  @Prop({ required: true })
  status!: string;

  @Prop({ type: MongooseSchema.Types.Mixed, required: true })
  event!: Record<string, unknown>;

  @Prop({ required: true, enum: DELIVERY_STATES, default: 'pending' })
  state!: DeliveryState;

  @Prop({ default: 0 })
  attempts!: number;

  @Prop()
  lastError?: string;

  @Prop()
  webhookHost?: string;

  @Prop({ required: true })
  raisedAt!: Date;

  @Prop()
  deliveredAt?: Date;

  @Prop()
  updatedAt?: Date;
}

export type AlertDocument = HydratedDocument<Alert>;
export const AlertSchema = SchemaFactory.createForClass(Alert);
AlertSchema.index({ raisedAt: -1 });
