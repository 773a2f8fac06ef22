import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ClusterModule } from '../cluster/cluster.module';
import { JobsModule } from '../jobs/jobs.module';
import { LogsModule } from '../logs/logs.module';
import { WorkersModule } from '../workers/workers.module';
import { BackfillDriver } from './backfill-driver.service';
import { BackfillService } from './backfill.service';
import { BackfillsController } from './backfills.controller';
import { BackfillsRepository } from './backfills.repository';

/** Masters: the backfill API and the leader's backfill driver. */
@Module({
  imports: [AuditModule, ClusterModule, JobsModule, WorkersModule, LogsModule],
  controllers: [BackfillsController],
  providers: [BackfillsRepository, BackfillService, BackfillDriver],
})
export class BackfillModule {}
