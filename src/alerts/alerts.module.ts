import { Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AlertDelivery } from './alert-delivery.service';
import { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';
import { NatsService } from './nats.service';
import { Alert, AlertSchema } from './schemas/alert.schema';
import { AlertSink } from './sinks/alert-sink';
import { DirectAlertSink } from './sinks/direct.sink';
import { JetStreamAlertSink } from './sinks/jetstream.sink';

/** Raising and delivering alerts; the sink is NATS JetStream when NATS_URL is set, else direct. */
@Global()
@Module({
  imports: [MongooseModule.forFeature([{ name: Alert.name, schema: AlertSchema }])],
  providers: [
    NatsService,
    AlertsRepository,
    AlertDelivery,
    AlertsService,
    {
      provide: AlertSink,
      inject: [NatsService, AlertDelivery],
      useFactory: (nats: NatsService, delivery: AlertDelivery): AlertSink =>
        nats.enabled ? new JetStreamAlertSink(nats) : new DirectAlertSink(delivery),
    },
  ],
  exports: [AlertsService, AlertsRepository, AlertDelivery, NatsService],
})
export class AlertsModule {}
