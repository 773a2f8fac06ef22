import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { MongoConnectionKeeper } from '../../mongo/mongo-connection.keeper';

@Injectable()
export class MongoHealthIndicator {
  constructor(
    private readonly mongo: MongoConnectionKeeper,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(): Promise<HealthIndicatorResult> {
    const indicator = this.health.check('mongodb');
    try {
      await this.mongo.ping();
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}
