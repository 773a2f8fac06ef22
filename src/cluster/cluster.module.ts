import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { LogsModule } from '../logs/logs.module';
import { WorkersModule } from '../workers/workers.module';
import { AlertDispatcher } from './alert-dispatcher.service';
import { AlertsController } from './alerts.controller';
import { ClusterController } from './cluster.controller';
import { LayoutMigration } from './layout-migration.service';
import { LeaderElection } from './leader-election.service';
import { ReaperService } from './reaper.service';
import { RetentionService } from './retention.service';

/** Masters: leader election and the leader's duties (alert delivery, retention, lost runs). */
@Module({
  imports: [LogsModule, WorkersModule, JobsModule],
  controllers: [ClusterController, AlertsController],
  providers: [LayoutMigration, LeaderElection, AlertDispatcher, RetentionService, ReaperService],
  exports: [LeaderElection],
})
export class ClusterModule {}
