import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { RunOutputPublisher } from './run-output.publisher';
import { RunOutputRepository } from './run-output.repository';
import { RunOutputChunk, RunOutputChunkSchema } from './run-output.schema';

/** Worker side of live output: the publisher the executor feeds. */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: RunOutputChunk.name, schema: RunOutputChunkSchema }]),
  ],
  providers: [RunOutputRepository, RunOutputPublisher],
  exports: [RunOutputPublisher],
})
export class RunOutputModule {}
