import { DynamicModule, Module, Type } from '@nestjs/common';
import { AlertsModule } from './alerts/alerts.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { runsMaster, runsWorker } from './config/role';
import { EtcdModule } from './etcd/etcd.module';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { LoggingModule } from './logging/logging.module';
import { LogsModule } from './logs/logs.module';
import { MetricsModule } from './metrics/metrics.module';
import { MongoModule } from './mongo/mongo.module';
import { SchedulerModule } from './scheduler/scheduler.module';
import { WorkersModule } from './workers/workers.module';

/**
 * The master's own modules, required only when the role serves the API: a worker never loads
 * the controllers, DTOs, console and OpenAPI code (less heap for every worker).
 */
function masterModules(): Type[] {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return [
    (require('./api/api.module') as typeof import('./api/api.module')).ApiModule,
    (require('./cluster/cluster.module') as typeof import('./cluster/cluster.module'))
      .ClusterModule,
    (require('./backfill/backfill.module') as typeof import('./backfill/backfill.module'))
      .BackfillModule,
    (require('./console/console.module') as typeof import('./console/console.module'))
      .ConsoleModule,
    (require('./run-stream/run-stream.module') as typeof import('./run-stream/run-stream.module'))
      .RunStreamModule,
  ];
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/** The one place where the role decides what runs in this process. */
@Module({})
export class AppModule {
  static forConfig(config: AppConfig): DynamicModule {
    const roleModules: Type[] = [
      ...(runsMaster(config.ROLE) ? masterModules() : []),
      ...(runsWorker(config.ROLE) ? [SchedulerModule] : []),
    ];
    return {
      module: AppModule,
      imports: [
        ConfigModule.forConfig(config),
        LoggingModule.forConfig(config),
        EtcdModule,
        MongoModule,
        HealthModule,
        MetricsModule,
        AlertsModule,
        JobsModule,
        LogsModule,
        WorkersModule,
        ...roleModules,
      ],
    };
  }
}
