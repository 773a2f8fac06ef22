import { Module } from '@nestjs/common';
import { WorkersRepository } from './workers.repository';

/** The worker registry in etcd (registration on workers, listing on masters). */
@Module({ providers: [WorkersRepository], exports: [WorkersRepository] })
export class WorkersModule {}
