import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ClusterScoped } from '../../auth/cluster-scoped.decorator';
import { RequireRole } from '../../auth/require-role.decorator';
import { WorkersRepository } from '../../workers/workers.repository';
import { WorkerView } from '../dto/misc.dto';
import { ApiCommonResponses } from './api-docs';
import { V1 } from './http-types';

/** The live workers, read from their registrations in etcd. */
@ApiTags('workers')
@ApiCommonResponses()
@Controller(V1)
export class WorkersController {
  constructor(private readonly workers: WorkersRepository) {}

  @Get('workers')
  @RequireRole('viewer')
  @ClusterScoped()
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
}
