import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { LogsModule } from '../logs/logs.module';
import { RunsRepository } from '../logs/runs.repository';
import { WorkersRepository } from '../workers/workers.repository';
import { JobsRepository } from './jobs.repository';
import { JobsService } from './jobs.service';
import { RunControlService } from './run-control.service';
import { RunRequestsRepository } from './run-requests.repository';

/** Job definitions in etcd and the requests (run, kill) the API leaves for workers. */
@Module({
  imports: [AuditModule, LogsModule],
  providers: [
    JobsRepository,
    JobsService,
    RunRequestsRepository,
    RunControlService,
    RunsRepository,
    WorkersRepository,
  ],
  exports: [
    JobsRepository,
    JobsService,
    RunControlService,
    RunRequestsRepository,
    RunsRepository,
    WorkersRepository,
  ],
})
export class JobsModule {}
