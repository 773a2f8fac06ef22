import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { LogsModule } from '../logs/logs.module';
import { RunsRepository } from '../logs/runs.repository';
import { WorkersModule } from '../workers/workers.module';
import { JobsRepository } from './jobs.repository';
import { JobsService } from './jobs.service';
import { RunControlService } from './run-control.service';
import { RunRequestsRepository } from './run-requests.repository';
import { JobVersionsStoreModule } from './versions/job-versions-store.module';

/** Job definitions in etcd and the requests (run, kill) the API leaves for workers. */
@Module({
  imports: [AuditModule, LogsModule, WorkersModule, JobVersionsStoreModule],
  providers: [
    JobsRepository,
    JobsService,
    RunRequestsRepository,
    RunControlService,
    RunsRepository,
  ],
  exports: [
    JobsRepository,
    JobsService,
    RunControlService,
    RunRequestsRepository,
    RunsRepository,
    WorkersModule,
    JobVersionsStoreModule,
  ],
})
export class JobsModule {}
