import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { Run, RunSchema } from './schemas/run.schema';

/** Run history in MongoDB: the `runs` collection, written by workers and read by the API. */
@Module({
  imports: [MongooseModule.forFeature([{ name: Run.name, schema: RunSchema }])],
  exports: [MongooseModule],
})
export class LogsModule {}
