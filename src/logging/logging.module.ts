import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { loggerOptions, withoutSsoCallbackQuery } from './logger-options';

/** Probe and scrape routes: not logged, and given no request-scoped logger. */
const PROBES = ['healthz', 'readyz', 'metrics'];

/**
 * JSON-line logs through pino; request logs carry no secrets (authorization is redacted).
 * Probes and scrapes skip the request-logging middleware: its AsyncLocalStorage, once entered,
 * turns on promise hooks for the whole process, and a worker serves nothing but probes (those
 * hooks were 6 % of a busy worker's allocations).
 */
@Module({})
export class LoggingModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          exclude: PROBES.map((path) => ({ path, method: RequestMethod.ALL })),
          pinoHttp: {
            ...loggerOptions(config),
            customProps: () => ({ role: config.ROLE }),
            serializers: { req: withoutSsoCallbackQuery },
          },
        }),
      ],
    };
  }
}
