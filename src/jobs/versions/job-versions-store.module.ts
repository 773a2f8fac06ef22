import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { JobVersionRecorder } from './job-version-recorder';
import { JobVersionEntry, JobVersionSchema } from './job-version.schema';
import { JobVersionsRepository } from './job-versions.repository';
import { VersionOutbox } from './version-outbox';

/** Where versions are kept: etcd's outbox, then MongoDB's `job_versions` (docs/versions.md). */
@Module({
  imports: [MongooseModule.forFeature([{ name: JobVersionEntry.name, schema: JobVersionSchema }])],
  providers: [VersionOutbox, JobVersionsRepository, JobVersionRecorder],
  exports: [VersionOutbox, JobVersionsRepository, JobVersionRecorder],
})
export class JobVersionsStoreModule {}
