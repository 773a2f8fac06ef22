import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** A token's last use; collection `token_usage`, one document per token id. */
@Schema({ collection: 'token_usage', versionKey: false })
export class TokenUsage {
  @Prop({ required: true, unique: true })
  tokenId!: string;

  @Prop({ required: true })
  lastUsedAt!: Date;
}

export const TokenUsageSchema = SchemaFactory.createForClass(TokenUsage);
