import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsIntIn } from './validators';
import { ToBoolean, ToList, ToNumber } from './query';

export class ListJobsQueryDto {
  @ApiPropertyOptional({ description: 'Only jobs whose name starts with this.' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,128}$/, { message: 'must be 1-128 characters of [A-Za-z0-9._-]' })
  prefix?: string;

  @ApiPropertyOptional({ description: 'Only enabled (true) or paused (false) jobs.' })
  @IsOptional()
  @ToBoolean()
  @IsBoolean({ message: 'must be true or false' })
  enabled?: boolean;

  @ApiPropertyOptional({
    description:
      'key=value; only jobs whose target labels include it. Repeat or comma-separate for several.',
    type: [String],
  })
  @IsOptional()
  @ToList()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}=[A-Za-z0-9._-]{0,63}$/, {
    each: true,
    message: 'must be key=value',
  })
  label?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @ToNumber()
  @IsIntIn(1, 500)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}
