import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { EtcdHealthIndicator } from './indicators/etcd.health';
import { MongoHealthIndicator } from './indicators/mongo.health';

/** Kubernetes probes: liveness says the process runs; readiness says its dependencies answer. */
@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly etcd: EtcdHealthIndicator,
    private readonly mongo: MongoHealthIndicator,
  ) {}

  @Get('healthz')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** 503 with the failing dependency named under `error` when etcd or MongoDB is down. */
  @Get('readyz')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.etcd.check(), () => this.mongo.check()]);
  }
}
