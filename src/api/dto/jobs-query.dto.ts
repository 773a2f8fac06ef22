import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Matches } from 'class-validator';
import { ToBoolean, ToList } from './query';
import { PageQueryDto } from './page-query.dto';

export class ListJobsQueryDto extends PageQueryDto {
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

  @ApiPropertyOptional({
    description:
      'key=value; only jobs whose own labels (not target labels) include it. Repeat or comma-separate for several.',
    type: [String],
  })
  @IsOptional()
  @ToList()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}=[^,]{0,63}$/, {
    each: true,
    message: 'must be key=value',
  })
  selector?: string[];
}
