import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { LogsModule } from '../logs/logs.module';
import { WorkersModule } from '../workers/workers.module';
import { JobsRepository } from './jobs.repository';
import { JobCatalog } from './job-catalog';
import { DependencyGraph } from './dependencies/dependency-graph.service';
import { NamespacesRepository } from '../namespaces/namespaces.repository';
import { NamespacesService } from '../namespaces/namespaces.service';
import { NamespaceGuard } from '../namespaces/namespace.guard';
import { JobsService } from './jobs.service';
import { RunControlService } from './run-control.service';
import { RunRequestsRepository } from './run-requests.repository';
import { JobVersionsStoreModule } from './versions/job-versions-store.module';

/** Namespaces and job definitions in etcd, and the requests (run, kill) the API leaves for workers. */
@Module({
  imports: [AuditModule, LogsModule, WorkersModule, JobVersionsStoreModule],
  providers: [
    JobCatalog,
    NamespacesRepository,
    NamespacesService,
    NamespaceGuard,
    JobsRepository,
    JobsService,
    DependencyGraph,
    RunRequestsRepository,
    RunControlService,
  ],
  exports: [
    JobCatalog,
    NamespacesService,
    NamespaceGuard,
    JobsRepository,
    JobsService,
    DependencyGraph,
    RunControlService,
    RunRequestsRepository,
    LogsModule,
    WorkersModule,
    JobVersionsStoreModule,
  ],
})
export class JobsModule {}
