import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { EtcdHealthIndicator } from './indicators/etcd.health';
import { MongoHealthIndicator } from './indicators/mongo.health';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [EtcdHealthIndicator, MongoHealthIndicator],
})
export class HealthModule {}
