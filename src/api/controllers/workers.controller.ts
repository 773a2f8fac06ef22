import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../../auth/require-role.decorator';
import { CronSyntaxError, parseSchedule, upcoming } from '../../cron/schedule';
import { DomainError } from '../../jobs/domain-error';
import { isoInZone } from '../../jobs/job-spec';
import { WorkersRepository } from '../../workers/workers.repository';
import { CronPreviewQueryDto, CronPreviewView, WorkerView } from '../dto/misc.dto';
import { V1 } from './http-types';

/** Workers and cron previews: read-only views for the console. */
@ApiTags('cluster')
@Controller(V1)
export class ClusterController {
  constructor(private readonly workers: WorkersRepository) {}

  @Get('workers')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Live workers, with how many runs each is executing' })
  @ApiOkResponse({ type: [WorkerView] })
  async listWorkers(): Promise<WorkerView[]> {
    const [workers, running] = await Promise.all([this.workers.workers(), this.workers.running()]);
    const counts = new Map<string, number>();
    for (const run of running) counts.set(run.workerId, (counts.get(run.workerId) ?? 0) + 1);
    return workers.map((worker) => ({
      id: worker.id,
      host: worker.host,
      ip: worker.ip,
      pid: worker.pid,
      labels: worker.labels ?? {},
      capacity: worker.capacity,
      version: worker.version,
      startedAt: worker.startedAt,
      running: counts.get(worker.id) ?? 0,
    }));
  }

  @Get('cron/preview')
  @RequireRole('viewer')
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
