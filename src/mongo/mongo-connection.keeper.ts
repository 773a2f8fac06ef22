import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { Connection, ConnectionStates } from 'mongoose';
import { AppConfig } from '../config/app-config';

const RETRY_MS = 2000;

/**
 * Keeps trying the first connection until it succeeds. Once connected, the driver itself
 * reconnects after outages; only a failed initial connect leaves a mongoose connection closed
 * for good, so that is the case handled here.
 */
@Injectable()
export class MongoConnectionKeeper implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(MongoConnectionKeeper.name);
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.connection.on('error', (error: Error) => this.logger.warn(`mongodb: ${error.message}`));
    this.watch();
  }

  private watch(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      if (this.connection.readyState === ConnectionStates.disconnected) {
        this.connection.openUri(this.config.MONGODB_URI).catch((error: Error) => {
          this.logger.warn(`mongodb not reachable yet: ${error.message}`);
        });
      }
      this.watch();
    }, RETRY_MS);
    this.timer.unref();
  }

  /** Pings the server; rejects when it does not answer within `timeoutMs`. */
  async ping(timeoutMs = 1000): Promise<void> {
    const db = this.connection.db;
    if (this.connection.readyState !== ConnectionStates.connected || !db) {
      throw new Error(`not connected (${ConnectionStates[this.connection.readyState]})`);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([db.command({ ping: 1 }), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
