import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { RunOutputPublisher } from './run-output.publisher';
import { RunOutputRepository } from './run-output.repository';
import { RunOutputChunk, RunOutputChunkSchema } from './run-output.schema';

/**
 * Live output chunks (`run_output`): the publisher the worker's executor feeds, and the
 * repository the master's stream reads. The one place the collection's model is registered, so
 * ROLE=all (both sides in one process) registers it once.
 */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: RunOutputChunk.name, schema: RunOutputChunkSchema }]),
  ],
  providers: [RunOutputRepository, RunOutputPublisher],
  exports: [RunOutputPublisher, RunOutputRepository],
})
export class RunOutputModule {}
