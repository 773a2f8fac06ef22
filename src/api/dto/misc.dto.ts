import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ToNumber } from './query';
import { MAX_COMMAND_BYTES } from '../../jobs/job-input';
import { IsByteString, IsIntIn, IsJobName, IsTimezone } from './validators';
import { PageQueryDto } from './page-query.dto';

export class CronPreviewQueryDto {
  @ApiProperty({ description: 'The expression to check.', example: '*/15 9-17 * * 1-5' })
  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  @MaxLength(256)
  expr!: string;

  @ApiPropertyOptional({ default: 'UTC' })
  @IsOptional()
  @IsTimezone()
  timezone?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 5 })
  @IsOptional()
  @ToNumber()
  @IsIntIn(1, 100)
  count?: number;

  @ApiPropertyOptional({
    enum: ['standard', 'gorhill'],
    default: 'standard',
    description: '`gorhill`: read 6 and 7 fields the way the original crontab did (trailing year).',
  })
  @IsOptional()
  @IsIn(['standard', 'gorhill'], { message: 'must be standard or gorhill' })
  dialect?: 'standard' | 'gorhill';

  @ApiPropertyOptional({
    description: 'The job name `H` fields hash (each job gets its own spread); empty if omitted.',
    example: 'nightly-report',
  })
  @IsOptional()
  @IsJobName()
  name?: string;
}

export class CronPreviewView {
  @ApiProperty() expr!: string;
  @ApiProperty() timezone!: string;
  @ApiProperty({ type: [String], description: "ISO 8601 with the zone's offset." }) next!: string[];
}

export class WorkerView {
  @ApiProperty() id!: string;
  @ApiProperty() host!: string;
  @ApiProperty() ip!: string;
  @ApiProperty() pid!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<
    string,
    string
  >;
  @ApiProperty() capacity!: number;
  @ApiProperty() version!: string;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty({ description: 'Runs executing on it now.' }) running!: number;
}

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsJobName()
  job?: string;

  @ApiPropertyOptional({ example: 'job.create' })
  @IsOptional()
  @Matches(/^[a-z]+\.[a-z]+$/, { message: 'must look like job.create' })
  action?: string;

  @ApiPropertyOptional({ description: 'The name of the token that made the change.' })
  @IsOptional()
  @IsJobName({
    message:
      'must be a token name: 1-128 characters of [A-Za-z0-9._-], starting with a letter or digit',
  })
  actor?: string;
}

export class AuditEntryView {
  @ApiProperty() entryId!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty() tokenName!: string;
  @ApiProperty() tokenId!: string;
  @ApiProperty() role!: string;
  @ApiProperty({ enum: ['v1', 'compat', 'system'] }) via!: string;
  @ApiProperty({ example: 'job.create' }) action!: string;
  @ApiPropertyOptional() job?: string;
  @ApiPropertyOptional() revision?: number;
  @ApiPropertyOptional() runId?: string;
  @ApiPropertyOptional({ description: 'The token id of a token action.' }) subject?: string;
  @ApiPropertyOptional({
    description: 'The reason given (X-Cronplane-Override) for changing a managed job.',
  })
  override?: string;
  @ApiPropertyOptional({ description: 'The manager of the job an override was about.' })
  managedBy?: string;
}

export class AuditPageView {
  @ApiProperty({ type: [AuditEntryView] }) items!: AuditEntryView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class FieldProblemView {
  @ApiProperty({ example: 'cronExpr' }) field!: string;
  @ApiProperty({
    example: 'expected 5 fields (min hour dom month dow) or 6 with leading seconds, got 3',
  })
  reason!: string;
}

/** The one error shape of /api/v1. */
export class ErrorView {
  @ApiProperty({ example: 400 }) statusCode!: number;
  @ApiProperty({ example: 'Bad Request' }) error!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ type: [FieldProblemView] }) details!: FieldProblemView[];
}

/** The original crontab's job. */
export class CompatJobDto {
  @IsJobName()
  name!: string;

  @IsByteString(1, MAX_COMMAND_BYTES)
  command!: string;

  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  @MaxLength(256)
  cronExpr!: string;
}
