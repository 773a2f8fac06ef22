import { Module } from '@nestjs/common';
import { EXECUTOR } from '../executor/executor';
import { SpawnerExecutor } from '../executor/spawner.executor';
import { RunRequestsRepository } from '../jobs/run-requests.repository';
import { LogsModule } from '../logs/logs.module';
import { RunOutputModule } from '../run-stream/run-output.module';
import { WorkerRegistryRepository } from '../workers/worker-registry.repository';
import { WorkerSessionService } from '../workers/worker-session.service';
import { RunLogRepository } from './run-log/run-log.repository';
import { RunLogService } from './run-log/run-log.service';
import { RunOutcomesService } from './run-outcomes.service';
import { RunnerService } from './runner.service';
import { SchedulerService } from './scheduler.service';
import { WorkerRequestsRepository } from './worker-requests.repository';

/** The worker role: session, job table, ownership, tick claims, executor and run log. */
@Module({
  imports: [LogsModule, RunOutputModule],
  providers: [
    WorkerRegistryRepository,
    WorkerSessionService,
    WorkerRequestsRepository,
    RunRequestsRepository,
    RunLogRepository,
    RunLogService,
    { provide: EXECUTOR, useClass: SpawnerExecutor },
    RunOutcomesService,
    RunnerService,
    SchedulerService,
  ],
})
export class SchedulerModule {}
