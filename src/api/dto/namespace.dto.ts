import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { NAMESPACE_PATTERN } from '../../namespaces/namespace';
import { NAMESPACE_RULE } from '../pipes/job-id';
import { LABEL_KEY } from './job.dto';
import { IsStringMap } from './validators';

/** A Unix user name by the POSIX portable rule, or a numeric uid. */
const USER_NAME = /^([A-Za-z_][A-Za-z0-9._-]{0,31}|[0-9]{1,10})$/;

export class NamespaceSettingsDto {
  @ApiPropertyOptional({ example: 'Team A: billing jobs' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  description?: string;

  @ApiPropertyOptional({
    description:
      'The workers this namespace may use: labels a worker must carry. Jobs whose target contradicts it are refused (422); a worker outside it never runs them.',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { pool: 'team-a' },
  })
  @IsOptional()
  @IsStringMap(LABEL_KEY, 16, 63)
  pool?: Record<string, string>;

  @ApiPropertyOptional({
    description: 'Users its jobs may run as (`runAs`); `root` only when listed.',
    example: ['app'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  @Matches(USER_NAME, { each: true, message: 'each must be a user name or a numeric uid' })
  runAsUsers?: string[];
}

export class CreateNamespaceDto extends NamespaceSettingsDto {
  @ApiProperty({ example: 'team-a' })
  @IsString()
  @Matches(NAMESPACE_PATTERN, { message: NAMESPACE_RULE })
  name!: string;
}

export class NamespaceView {
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  pool!: Record<string, string>;
  @ApiProperty({ type: [String] }) runAsUsers!: string[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty() revision!: number;
}
