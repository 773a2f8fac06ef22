import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs.module';
import { JobVersionsService } from './job-versions.service';
import { VersionDrainer } from './version-drainer.service';

/** The master's side of version history: reads, rollback, and draining the etcd outbox. */
@Module({
  imports: [JobsModule],
  providers: [JobVersionsService, VersionDrainer],
  exports: [JobVersionsService],
})
export class JobVersionsModule {}
