import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { EtcdService } from '../../etcd/etcd.service';

@Injectable()
export class EtcdHealthIndicator {
  constructor(
    private readonly etcd: EtcdService,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(): Promise<HealthIndicatorResult> {
    const indicator = this.health.check('etcd');
    try {
      await this.etcd.ping();
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}
