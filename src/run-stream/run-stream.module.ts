import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { LogsModule } from '../logs/logs.module';
import { RunOutputRepository } from './run-output.repository';
import { RunOutputChunk, RunOutputChunkSchema } from './run-output.schema';
import { RunStreamController } from './run-stream.controller';

/** Master side of live output: `GET /api/v1/runs/{runId}/stream` (Server-Sent Events). */
@Module({
  imports: [
    LogsModule,
    MongooseModule.forFeature([{ name: RunOutputChunk.name, schema: RunOutputChunkSchema }]),
  ],
  controllers: [RunStreamController],
  providers: [RunOutputRepository],
})
export class RunStreamModule {}
