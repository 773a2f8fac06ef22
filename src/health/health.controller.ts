import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { EtcdHealthIndicator } from './indicators/etcd.health';
import { MongoHealthIndicator } from './indicators/mongo.health';
import { NatsHealthIndicator } from './indicators/nats.health';

/** No caching; no OpenAPI documentation, which would load @nestjs/swagger in workers too. */
const PROBE = { noCache: true, swaggerDocumentation: false };

/**
 * Kubernetes probes: liveness says the process runs; readiness says its dependencies answer.
 * No OpenAPI decorators (workers serve this and never load the OpenAPI code); the master's
 * document tags these routes itself (api/http-setup.ts).
 */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly etcd: EtcdHealthIndicator,
    private readonly mongo: MongoHealthIndicator,
    private readonly nats: NatsHealthIndicator,
  ) {}

  @Get('healthz')
  @HealthCheck(PROBE)
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /**
   * 503 with the failing dependency named under `error` when etcd or MongoDB is down, or NATS
   * refuses this process's credentials.
   */
  @Get('readyz')
  @HealthCheck(PROBE)
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.etcd.check(),
      () => this.mongo.check(),
      () => this.nats.check(),
    ]);
  }
}
