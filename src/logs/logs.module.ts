import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { RunsRepository } from './runs.repository';
import { ACTIVE_RUN, ACTIVE_RUNS_COLLECTION, Run, RunSchema } from './schemas/run.schema';

/**
 * Run history in MongoDB, written by workers and read by the API: outcomes in `runs`, runs still
 * going (and replaceable placeholders) in `runs_active`.
 */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Run.name, schema: RunSchema },
      { name: ACTIVE_RUN, schema: RunSchema, collection: ACTIVE_RUNS_COLLECTION },
    ]),
  ],
  providers: [RunsRepository],
  exports: [MongooseModule, RunsRepository],
})
export class LogsModule {}
