import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import helmet from 'helmet';
import { AppModule } from './app.module';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { etcdSecurity, natsSecurity, SecurityFileError } from './config/connection-security';
import { SecretKeys } from './secrets/secret-keys.service';
import { runsMaster } from './config/role';
import { ssoSettings } from './sso/sso-settings';

/** The HTTP port: the master's API port, or the worker's health/metrics port. */
function listenPort(config: AppConfig): number {
  return runsMaster(config.ROLE) ? config.PORT : config.WORKER_PORT;
}

/**
 * SIGTERM/SIGINT run every shutdown hook (workers drain runs and flush the run log), then exit 0.
 * This replaces Nest's enableShutdownHooks, which re-raises the signal and so never exits 0.
 * A second signal during the drain exits at once.
 */
function handleShutdown(app: NestExpressApplication, logger: Logger): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      logger.warn(
        { msg: 'second signal: exiting without finishing shutdown', signal },
        'Bootstrap',
      );
      process.exit(1);
    }
    closing = true;
    logger.log({ msg: 'shutting down', signal }, 'Bootstrap');
    app.close().then(
      () => {
        logger.log({ msg: 'shutdown complete', signal }, 'Bootstrap');
        process.exit(0);
      },
      (error: Error) => {
        logger.error({ msg: 'shutdown failed', err: error }, 'Bootstrap');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
    // Files named by the settings (certificates, passwords, keys): one line when one is missing.
    etcdSecurity(config);
    natsSecurity(config);
    new SecretKeys(config);
    ssoSettings(config);
  } catch (error) {
    if (!(error instanceof ConfigError) && !(error instanceof SecurityFileError)) throw error;
    process.stderr.write(`cronplane: ${error.message}\n`);
    process.exit(1);
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    bufferLogs: true,
  });
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.use(helmet());
  if (runsMaster(config.ROLE)) {
    // Required here, not imported: a worker never loads the OpenAPI code.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('./api/http-setup') as typeof import('./api/http-setup')).configureHttp(app);
  }
  handleShutdown(app, logger);
  await app.listen(listenPort(config), '0.0.0.0');
  logger.log(
    { msg: 'cronplane started', role: config.ROLE, port: listenPort(config) },
    'Bootstrap',
  );
}

bootstrap().catch((error: Error) => {
  process.stderr.write(`cronplane: failed to start: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
