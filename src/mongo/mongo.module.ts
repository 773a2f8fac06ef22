import { Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AppConfig } from '../config/app-config';
import { MongoConnectionKeeper } from './mongo-connection.keeper';

/**
 * MongoDB (or FerretDB) through @nestjs/mongoose. The connection is lazy: the process starts,
 * answers /readyz with 503 and keeps retrying while the database is away, instead of crashing.
 */
@Global()
@Module({
  imports: [
    MongooseModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        uri: config.MONGODB_URI,
        lazyConnection: true,
        serverSelectionTimeoutMS: 5000,
        // A server that accepts the connection but never answers (seen with FerretDB after a
        // restart) must not hang API calls and run-log writes forever.
        socketTimeoutMS: 30000,
        // Operations issued while disconnected wait for the driver instead of piling up in
        // mongoose's own buffer; callers handle the error (the run log spools to disk).
        bufferCommands: false,
        autoIndex: true,
      }),
    }),
  ],
  providers: [MongoConnectionKeeper],
  exports: [MongoConnectionKeeper],
})
export class MongoModule {}
