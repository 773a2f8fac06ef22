import { Module } from '@nestjs/common';

/** The master role: the REST API under /api/v1, the original crontab's API and the console. */
@Module({})
export class ApiModule {}
