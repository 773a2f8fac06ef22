import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { EtcdHealthIndicator } from './indicators/etcd.health';
import { MongoHealthIndicator } from './indicators/mongo.health';
import { NatsHealthIndicator } from './indicators/nats.health';
import { AlertsModule } from '../alerts/alerts.module';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), AlertsModule],
  controllers: [HealthController],
  providers: [EtcdHealthIndicator, MongoHealthIndicator, NatsHealthIndicator],
})
export class HealthModule {}
