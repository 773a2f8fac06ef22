import { Module } from '@nestjs/common';

/** The worker role: job table, ownership, tick claims, executor and run log. */
@Module({})
export class SchedulerModule {}
