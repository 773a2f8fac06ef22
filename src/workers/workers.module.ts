import { Module } from '@nestjs/common';

/** The worker registry in etcd (registration on workers, listing on masters). */
@Module({})
export class WorkersModule {}
