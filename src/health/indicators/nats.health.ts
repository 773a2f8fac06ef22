import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { NatsService } from '../../alerts/nats.service';

/**
 * Down only when NATS refused this process (credentials, certificate): a NATS that is merely away
 * does not take a master out of service, since alerts wait for it (and run without it).
 */
@Injectable()
export class NatsHealthIndicator {
  constructor(
    private readonly nats: NatsService,
    private readonly health: HealthIndicatorService,
  ) {}

  check(): HealthIndicatorResult {
    const indicator = this.health.check('nats');
    return this.nats.refused ? indicator.down({ message: this.nats.refused }) : indicator.up();
  }
}
