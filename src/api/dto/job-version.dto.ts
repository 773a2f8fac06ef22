import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { VERSION_ACTIONS, VersionAction } from '../../jobs/versions/job-version';
import { JobView } from './job.dto';
import { IsIntIn } from './validators';

const MAX_VERSION = 1_000_000_000;
/** As If-Match: up to 15 digits. */
const MAX_REVISION = 999_999_999_999_999;

/** A job definition as a version keeps it: the whole spec, without the etcd revision. */
export class JobSpecView extends OmitType(JobView, ['revision'] as const) {}

export class JobVersionSummaryView {
  @ApiProperty({ example: 'default' }) namespace!: string;
  @ApiProperty() job!: string;
  @ApiProperty({ description: '1, 2, 3... per job, in the order the changes landed.' })
  version!: number;
  @ApiProperty({
    enum: VERSION_ACTIONS,
    description:
      '`baseline`: the definition the job had before its first recorded change (a job older than version history).',
  })
  action!: VersionAction;
  @ApiProperty({ description: "The job's etcd revision once the change landed (its ETag then)." })
  revision!: number;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ description: 'Name of the token that made the change.' }) tokenName!: string;
  @ApiProperty() tokenId!: string;
  @ApiProperty() role!: string;
  @ApiProperty({ description: '`v1`, `compat` or `system`.' }) via!: string;
  @ApiPropertyOptional({ description: 'A rollback: the version it restored.' })
  fromVersion?: number;
  @ApiPropertyOptional({ description: 'The override reason, for a change of a managed job.' })
  override?: string;
}

export class JobVersionPageView {
  @ApiProperty({ type: [JobVersionSummaryView], description: 'Newest first.' })
  items!: JobVersionSummaryView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class FieldChangeView {
  @ApiProperty({ description: 'JSON pointer (RFC 6901) of the field.', example: '/retries/max' })
  path!: string;
  @ApiProperty({
    enum: ['add', 'remove', 'replace'],
    description: '`add`: absent in the version, present now; `remove`: the reverse.',
  })
  op!: 'add' | 'remove' | 'replace';
  @ApiPropertyOptional({ description: 'The value in the version.' }) before?: unknown;
  @ApiPropertyOptional({ description: 'The value in the current definition.' }) after?: unknown;
}

export class JobVersionView extends JobVersionSummaryView {
  @ApiProperty({ type: JobSpecView, description: 'The whole definition right after the change.' })
  spec!: JobSpecView;
  @ApiProperty({
    type: JobView,
    nullable: true,
    description: "The job's current definition; null when the job was deleted.",
  })
  current!: JobView | null;
  @ApiProperty({
    type: [FieldChangeView],
    description:
      'From this version (`before`) to the current definition (`after`), field by field; createdAt, updatedAt and revision are left out. Empty: rolling back changes nothing.',
  })
  diff!: FieldChangeView[];
}

export class RollbackDto {
  @ApiProperty({ minimum: 1, description: 'The version to restore.' })
  @IsIntIn(1, MAX_VERSION)
  version!: number;

  @ApiPropertyOptional({
    minimum: 1,
    description: 'The revision the rollback is based on, as the If-Match header (which wins).',
  })
  @IsOptional()
  @IsIntIn(1, MAX_REVISION)
  ifMatch?: number;
}
