import { Module } from '@nestjs/common';
import { LogsModule } from '../logs/logs.module';
import { RunOutputModule } from './run-output.module';
import { RunStreamController } from './run-stream.controller';

/** Master side of live output: `GET /api/v1/runs/{runId}/stream` (Server-Sent Events). */
@Module({
  imports: [LogsModule, RunOutputModule],
  controllers: [RunStreamController],
})
export class RunStreamModule {}
