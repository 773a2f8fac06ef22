import { DynamicModule, Module, Type } from '@nestjs/common';
import { AlertsModule } from './alerts/alerts.module';
import { ApiModule } from './api/api.module';
import { ClusterModule } from './cluster/cluster.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ConsoleModule } from './console/console.module';
import { runsMaster, runsWorker } from './config/role';
import { EtcdModule } from './etcd/etcd.module';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { LoggingModule } from './logging/logging.module';
import { LogsModule } from './logs/logs.module';
import { MetricsModule } from './metrics/metrics.module';
import { MongoModule } from './mongo/mongo.module';
import { RunStreamModule } from './run-stream/run-stream.module';
import { SchedulerModule } from './scheduler/scheduler.module';
import { WorkersModule } from './workers/workers.module';

/** The one place where the role decides what runs in this process. */
@Module({})
export class AppModule {
  static forConfig(config: AppConfig): DynamicModule {
    const roleModules: Type[] = [
      ...(runsMaster(config.ROLE)
        ? [ApiModule, ClusterModule, ConsoleModule, RunStreamModule]
        : []),
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
