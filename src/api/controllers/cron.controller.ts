import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ClusterScoped } from '../../auth/cluster-scoped.decorator';
import { RequireRole } from '../../auth/require-role.decorator';
import { CronSyntaxError, parseSchedule, upcoming } from '../../cron/schedule';
import { DomainError } from '../../jobs/domain-error';
import { isoInZone } from '../../jobs/job-spec';
import { CronPreviewQueryDto, CronPreviewView } from '../dto/misc.dto';
import { ApiCommonResponses } from './api-docs';
import { V1 } from './http-types';

/** Expression checks for the console's job form. */
@ApiTags('cron')
@ApiCommonResponses()
@Controller(`${V1}/cron`)
export class CronController {
  @Get('preview')
  @RequireRole('viewer')
  @ClusterScoped()
  @ApiOperation({ summary: 'Check an expression and list its next fire times' })
  @ApiOkResponse({ type: CronPreviewView })
  preview(@Query() query: CronPreviewQueryDto): CronPreviewView {
    const timezone = query.timezone ?? 'UTC';
    const now = Date.now();
    try {
      const schedule = parseSchedule(query.expr, {
        timezone,
        dialect: query.dialect ?? 'standard',
        now,
        hashKey: query.name,
      });
      const next = upcoming(schedule, now, query.count ?? 5).map((time) =>
        isoInZone(time, timezone),
      );
      return { expr: query.expr, timezone, next };
    } catch (error) {
      if (error instanceof CronSyntaxError)
        throw DomainError.invalid([{ field: 'expr', reason: error.message }]);
      throw error;
    }
  }
}
