import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow } from 'class-validator';
import { JobIdParam } from '../api/pipes/job-id';
import { ApiCommonResponses } from '../api/controllers/api-docs';
import { V1 } from '../api/controllers/http-types';
import { Actor } from '../auth/actor';
import { CurrentActor } from '../auth/current-actor.decorator';
import { RequireRole } from '../auth/require-role.decorator';
import { DomainError } from '../jobs/domain-error';
import { isValidJobName } from '../jobs/job.model';
import { CurrentNamespace } from '../namespaces/namespace';
import { NamespaceGuard } from '../namespaces/namespace.guard';
import { BackfillService, BackfillView } from './backfill.service';

/** The body of a backfill request: checked field by field in `checkBackfill`. */
export class BackfillRequestDto {
  /** Start of the range (ISO 8601 with an offset), inclusive. */
  @Allow() from?: unknown;
  /** End of the range, inclusive; not in the future. */
  @Allow() to?: unknown;
  /** The most ticks the range may hold (default 100, at most 1000). */
  @Allow() maxRuns?: unknown;
  /** Backfill runs outstanding at once (default 1, at most 50). */
  @Allow() concurrency?: unknown;
  /** Triggers written per second (default 1, 0.01 to 50). */
  @Allow() ratePerSecond?: unknown;
}

export class BackfillListQueryDto {
  @Allow() job?: unknown;
}

@ApiTags('backfills')
@ApiCommonResponses()
@Controller()
@UseGuards(NamespaceGuard)
export class BackfillsController {
  constructor(private readonly backfills: BackfillService) {}

  @Post([`${V1}/jobs/:name/backfill`, `${V1}/namespaces/:ns/jobs/:name/backfill`])
  @RequireRole('operator')
  @HttpCode(202)
  @ApiOperation({ summary: "Run every tick of the job's schedule in [from, to] that did not run" })
  create(
    @JobIdParam() job: string,
    @Body() body: BackfillRequestDto,
    @CurrentActor() actor: Actor,
  ): Promise<BackfillView> {
    return this.backfills.create(job, body, actor);
  }

  @Get([`${V1}/backfills`, `${V1}/namespaces/:ns/backfills`])
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Backfills of the namespace (kept 7 days), oldest first' })
  list(
    @CurrentNamespace() namespace: string,
    @Query() query: BackfillListQueryDto,
  ): Promise<BackfillView[]> {
    const job = query.job;
    if (job !== undefined && (typeof job !== 'string' || !isValidJobName(job)))
      throw DomainError.invalid([{ field: 'job', reason: 'must be a job name' }]);
    return this.backfills.list(namespace, job);
  }

  @Get([`${V1}/backfills/:id`, `${V1}/namespaces/:ns/backfills/:id`])
  @RequireRole('viewer')
  @ApiOperation({ summary: 'One backfill with its progress' })
  get(@CurrentNamespace() namespace: string, @Param('id') id: string): Promise<BackfillView> {
    return this.backfills.get(namespace, id);
  }

  @Delete([`${V1}/backfills/:id`, `${V1}/namespaces/:ns/backfills/:id`])
  @RequireRole('operator')
  @HttpCode(202)
  @ApiOperation({ summary: 'Cancel a backfill (also POST .../cancel)' })
  remove(
    @CurrentNamespace() namespace: string,
    @Param('id') id: string,
    @CurrentActor() actor: Actor,
  ): Promise<BackfillView> {
    return this.backfills.cancel(namespace, id, actor);
  }

  @Post([`${V1}/backfills/:id/cancel`, `${V1}/namespaces/:ns/backfills/:id/cancel`])
  @RequireRole('operator')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Cancel a backfill: no more triggers; those not yet taken are withdrawn',
  })
  cancel(
    @CurrentNamespace() namespace: string,
    @Param('id') id: string,
    @CurrentActor() actor: Actor,
  ): Promise<BackfillView> {
    return this.backfills.cancel(namespace, id, actor);
  }
}
