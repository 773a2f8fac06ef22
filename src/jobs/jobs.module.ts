import { Module } from '@nestjs/common';

/** Job definitions in etcd (shared by the API and the scheduler). */
@Module({})
export class JobsModule {}
