import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDate, IsIn, IsOptional } from 'class-validator';
import { RUN_STATUSES, RUN_TRIGGERS, RunStatus, RunTrigger } from '../../logs/run.model';
import { ToDate, ToList } from './query';
import { PageQueryDto } from './page-query.dto';

export class ListRunsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Statuses to include; repeat or comma-separate.',
    enum: RUN_STATUSES,
    isArray: true,
  })
  @IsOptional()
  @ToList()
  @IsIn(RUN_STATUSES, { each: true, message: `must be among ${RUN_STATUSES.join(', ')}` })
  status?: RunStatus[];

  @ApiPropertyOptional({ description: 'Ticks at or after this time (ISO 8601 or epoch ms).' })
  @IsOptional()
  @ToDate()
  @IsDate({ message: 'must be an ISO 8601 time or epoch milliseconds' })
  from?: Date;

  @ApiPropertyOptional({ description: 'Ticks at or before this time (ISO 8601 or epoch ms).' })
  @IsOptional()
  @ToDate()
  @IsDate({ message: 'must be an ISO 8601 time or epoch milliseconds' })
  to?: Date;
}

/** A run record; `output` only on GET /runs/{runId}. */
export class RunView {
  @ApiProperty() runId!: string;
  @ApiProperty() job!: string;
  @ApiProperty({ example: 'default' }) namespace!: string;
  @ApiProperty({ format: 'date-time', description: 'The scheduled time.' }) tick!: string;
  @ApiProperty() attempt!: number;
  @ApiProperty({ enum: RUN_TRIGGERS }) trigger!: RunTrigger;
  @ApiPropertyOptional() workerId?: string;
  @ApiProperty({ enum: RUN_STATUSES }) status!: RunStatus;
  @ApiPropertyOptional() exitCode?: number;
  @ApiPropertyOptional() signal?: string;
  @ApiPropertyOptional() error?: string;
  @ApiPropertyOptional() output?: string;
  @ApiPropertyOptional({ description: 'true when output was cut at the cap.' }) truncated?: boolean;
  @ApiPropertyOptional({ format: 'date-time' }) startedAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) endedAt?: string;
  @ApiPropertyOptional() durationMs?: number;
  @ApiPropertyOptional() latenessMs?: number;
  @ApiPropertyOptional({ description: 'Trigger `dependency`: the parent job (same namespace).' })
  parentJob?: string;
  @ApiPropertyOptional({
    description: 'Trigger `dependency`: the parent run that started this one.',
  })
  parentRunId?: string;
}

export class RunPageView {
  @ApiProperty({ type: [RunView] }) items!: RunView[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as cursor for the next page; null at the end.',
  })
  nextCursor!: string | null;
}

export class RunIdView {
  @ApiProperty() runId!: string;
}

export class JobKillView {
  @ApiProperty() job!: string;
  @ApiProperty({ type: [String], description: 'Runs executing when the kill was asked for.' })
  runIds!: string[];
}

/** A compact summary of a run, as GET /jobs/{name} shows the last one. */
export class RunSummaryView {
  @ApiProperty() runId!: string;
  @ApiProperty({ enum: RUN_STATUSES }) status!: RunStatus;
  @ApiProperty({ enum: RUN_TRIGGERS }) trigger!: RunTrigger;
  @ApiProperty({ format: 'date-time' }) tick!: string;
  @ApiPropertyOptional({ format: 'date-time' }) startedAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) endedAt?: string;
  @ApiPropertyOptional() durationMs?: number;
  @ApiPropertyOptional() exitCode?: number;
  @ApiPropertyOptional() workerId?: string;
}
