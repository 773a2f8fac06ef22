import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { ConsoleMiddleware } from './console.middleware';

/**
 * The web console at `/` (master and ROLE=all): the Vite build in dist/public, with an SPA
 * fallback for its routes. It never answers /api, /docs, probes, /metrics, /job/* or /worker/*.
 */
@Module({ providers: [ConsoleMiddleware] })
export class ConsoleModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ConsoleMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
