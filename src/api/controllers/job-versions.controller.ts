import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import { NamespaceGuard } from '../../namespaces/namespace.guard';
import {
  ApiConflictResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPreconditionFailedResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Actor } from '../../auth/actor';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { RequireRole } from '../../auth/require-role.decorator';
import { DomainError } from '../../jobs/domain-error';
import { JobVersionsService } from '../../jobs/versions/job-versions.service';
import { CurrentNamespace } from '../../namespaces/namespace';
import { JobVersionPageView, JobVersionView, RollbackDto } from '../dto/job-version.dto';
import { JobView } from '../dto/job.dto';
import { ErrorView } from '../dto/misc.dto';
import { PageQueryDto } from '../dto/page-query.dto';
import { decodeCursor, encodeCursor } from '../dto/query';
import { JobNamePipe, VersionPipe, parseIfMatch } from '../pipes/params';
import { jobView } from '../views';
import { ApiCommonResponses } from './api-docs';
import { ResponseHeaders, V1 } from './http-types';

/** A job's version history and rollback (docs/versions.md). */
@ApiTags('jobs')
@ApiCommonResponses()
@Controller([`${V1}/jobs`, `${V1}/namespaces/:ns/jobs`])
@UseGuards(NamespaceGuard)
export class JobVersionsController {
  constructor(private readonly versions: JobVersionsService) {}

  @Get(':name/versions')
  @RequireRole('viewer')
  @ApiOperation({
    summary: "A job's versions, newest first",
    description:
      'Every create, update, apply, pause, resume and rollback of the job adds a version with the whole definition right after the change, who made it and when. Kept after the job is deleted.',
  })
  @ApiOkResponse({ type: JobVersionPageView })
  @ApiNotFoundResponse({ type: ErrorView, description: 'No such job and no history of one.' })
  async list(
    @CurrentNamespace() ns: string,
    @Param('name', JobNamePipe) name: string,
    @Query() query: PageQueryDto,
  ): Promise<JobVersionPageView> {
    const before = query.cursor === undefined ? undefined : versionCursor(query.cursor);
    const page = await this.versions.list(ns, name, query.limit ?? 50, before);
    return {
      items: page.items,
      nextCursor: page.nextBefore === undefined ? null : encodeCursor({ v: page.nextBefore }),
    };
  }

  @Get(':name/versions/:version')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'One version of a job, with its diff against the current definition' })
  @ApiOkResponse({ type: JobVersionView })
  @ApiNotFoundResponse({ type: ErrorView, description: 'The job has no such version.' })
  async show(
    @CurrentNamespace() ns: string,
    @Param('name', JobNamePipe) name: string,
    @Param('version', VersionPipe) version: number,
  ): Promise<JobVersionView> {
    const detail = await this.versions.show(ns, name, version);
    return {
      ...detail.version,
      spec: { ...detail.version.spec, namespace: ns },
      current: detail.current && jobView(detail.current),
      diff: detail.diff,
    };
  }

  @Post(':name/rollback')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Restore a version of a job',
    description:
      'The job becomes the definition of `version` through the same checks and compare-and-swap as PUT (re-created if it was deleted); audited as `job.rollback` and recorded as a new version.',
  })
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description: 'The revision the rollback is based on; 412 when the job has changed since.',
  })
  @ApiHeader({
    name: 'X-Cronplane-Manager',
    required: false,
    description: 'The managedBy the caller acts as: it may roll back the jobs it manages.',
  })
  @ApiHeader({
    name: 'X-Cronplane-Override',
    required: false,
    description:
      'Why a managed job is rolled back anyway (audited); without it such a job answers 409.',
  })
  @ApiOkResponse({ type: JobView })
  @ApiNotFoundResponse({ type: ErrorView, description: 'The job has no such version.' })
  @ApiConflictResponse({ type: ErrorView, description: 'The job is managed by someone else.' })
  @ApiPreconditionFailedResponse({ type: ErrorView })
  @ApiUnprocessableEntityResponse({
    type: ErrorView,
    description: 'The version no longer validates (a schedule that has run out, say).',
  })
  async rollback(
    @CurrentNamespace() ns: string,
    @Param('name', JobNamePipe) name: string,
    @Body() body: RollbackDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('x-cronplane-manager') manager: string | undefined,
    @Headers('x-cronplane-override') override: string | undefined,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: ResponseHeaders,
  ): Promise<JobView> {
    const job = await this.versions.rollback(
      ns,
      name,
      body.version,
      parseIfMatch(ifMatch) ?? body.ifMatch,
      actor,
      { manager: manager?.trim() || undefined, override: override?.trim() || undefined },
    );
    res.setHeader('ETag', `"${job.revision}"`);
    return jobView(job);
  }
}

function versionCursor(cursor: string): number {
  const decoded = decodeCursor(cursor) as { v?: unknown } | undefined;
  if (!decoded || typeof decoded.v !== 'number' || !Number.isInteger(decoded.v)) {
    throw DomainError.invalid([{ field: 'cursor', reason: 'is not a cursor this API returned' }]);
  }
  return decoded.v;
}
