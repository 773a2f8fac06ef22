import { Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { JobsModule } from '../jobs/jobs.module';
import { JobVersionsModule } from '../jobs/versions/job-versions.module';
import { AdminController } from './controllers/admin.controller';
import { CompatController } from './controllers/compat.controller';
import { CronController } from './controllers/cron.controller';
import { JobsController } from './controllers/jobs.controller';
import { DependenciesController } from './controllers/dependencies.controller';
import { NamespacesController } from './controllers/namespaces.controller';
import { SecretKeysController, SecretsController } from './controllers/secrets.controller';
import { SecretsModule } from '../secrets/secrets.module';
import { SecretsService } from '../secrets/secrets.service';
import { JobVersionsController } from './controllers/job-versions.controller';
import { RunsController } from './controllers/runs.controller';
import { WorkersController } from './controllers/workers.controller';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { VALIDATION_OPTIONS, validationError } from './errors/validation';

/**
 * The master role: the REST API under /api/v1 and the original crontab's API, with bearer-token
 * auth (AuthModule's global guard), DTO validation and one error shape for all of it.
 */
@Module({
  imports: [AuthModule, AuditModule, JobsModule, SecretsModule, JobVersionsModule],
  controllers: [
    JobsController,
    DependenciesController,
    JobVersionsController,
    NamespacesController,
    SecretsController,
    SecretKeysController,
    RunsController,
    WorkersController,
    CronController,
    AdminController,
    CompatController,
  ],
  providers: [
    SecretsService,
    {
      provide: APP_PIPE,
      useFactory: () =>
        new ValidationPipe({
          ...VALIDATION_OPTIONS,
          transform: true,
          exceptionFactory: validationError,
        }),
    },
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
  ],
})
export class ApiModule {}
