import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Logger,
  Patch,
  Post,
  Put,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPreconditionFailedResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Actor } from '../../auth/actor';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { RequireRole } from '../../auth/require-role.decorator';
import { DomainError } from '../../jobs/domain-error';
import { isoInZone, nextFireTimes } from '../../jobs/job-spec';
import { StoredJob, isSecretRef, isValidJobName } from '../../jobs/job.model';
import { SecretsRepository } from '../../secrets/secrets.repository';
import { JobsService } from '../../jobs/jobs.service';
import { ManagedAccess } from '../../jobs/job-write-rules';
import { DependencyGraph } from '../../jobs/dependencies/dependency-graph.service';
import { RunControlService } from '../../jobs/run-control.service';
import { RunsRepository } from '../../logs/runs.repository';
import { Run } from '../../logs/schemas/run.schema';
import { CreateJobDto, JobPreviewView, JobView, PatchJobDto, ReplaceJobDto } from '../dto/job.dto';
import { JobDetailView, JobPageView } from '../dto/job-views.dto';
import { ListJobsQueryDto } from '../dto/jobs-query.dto';
import { ErrorView } from '../dto/misc.dto';
import { decodeCursor, encodeCursor } from '../dto/query';
import { JobKillView, ListRunsQueryDto, RunIdView, RunPageView } from '../dto/run.dto';
import { parseIfMatch } from '../pipes/params';
import { JobIdParam } from '../pipes/job-id';
import { jobId, splitJobId } from '../../etcd/etcd-keys';
import { CurrentNamespace, DEFAULT_NAMESPACE } from '../../namespaces/namespace';
import { NamespaceGuard } from '../../namespaces/namespace.guard';
import { jobView, runSummary, runView } from '../views';
import { ApiCommonResponses } from './api-docs';
import { ResponseHeaders, V1 } from './http-types';

const MANAGER = {
  name: 'X-Cronplane-Manager',
  required: false,
  description:
    'The managedBy the caller acts as (`cronplane apply` sends it): it may change the jobs it manages.',
};

const OVERRIDE = {
  name: 'X-Cronplane-Override',
  required: false,
  description:
    'Why a job managed by someone else is changed anyway; recorded in the audit log. Without it (or the manager) such a change answers 409.',
};

/** The manager headers of a request, for JobsService. */
function accessOf(manager: string | undefined, override: string | undefined): ManagedAccess {
  return { manager: manager?.trim() || undefined, override: override?.trim() || undefined };
}

const IF_MATCH = {
  name: 'If-Match',
  required: false,
  description: 'The revision the change is based on; 412 when the job has changed since.',
};

function withEtag(res: ResponseHeaders, job: StoredJob): JobView {
  res.setHeader('ETag', `"${job.revision}"`);
  return jobView(job);
}

@ApiTags('jobs')
@ApiCommonResponses()
@Controller([`${V1}/jobs`, `${V1}/namespaces/:ns/jobs`])
@UseGuards(NamespaceGuard)
export class JobsController {
  private readonly logger = new Logger(JobsController.name);

  constructor(
    private readonly jobs: JobsService,
    private readonly control: RunControlService,
    private readonly runs: RunsRepository,
    private readonly secrets: SecretsRepository,
    private readonly dependencies: DependencyGraph,
  ) {}

  @Post()
  @RequireRole('admin')
  @ApiOperation({ summary: 'Create a job' })
  @ApiCreatedResponse({ type: JobView })
  @ApiConflictResponse({ type: ErrorView, description: 'A job with this name exists.' })
  async create(
    @Body() body: CreateJobDto,
    @CurrentNamespace() namespace: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: ResponseHeaders,
  ): Promise<JobView> {
    const job = await this.jobs.create(jobId(namespace, body.name), body, actor);
    res.setHeader('Location', `/${jobPath(namespace)}/${body.name}`);
    return withEtag(res, job);
  }

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'List jobs by name, one page at a time' })
  @ApiOkResponse({ type: JobPageView })
  async list(
    @Query() query: ListJobsQueryDto,
    @CurrentNamespace() namespace: string,
  ): Promise<JobPageView> {
    let after: string | undefined;
    if (query.cursor !== undefined) {
      const decoded = decodeCursor(query.cursor);
      if (typeof decoded !== 'string' || !isValidJobName(decoded)) {
        throw DomainError.invalid([
          { field: 'cursor', reason: 'is not a cursor this API returned' },
        ]);
      }
      after = decoded;
    }
    const page = await this.jobs.list({
      namespace,
      prefix: query.prefix,
      enabled: query.enabled,
      labels: query.label?.map((pair) => {
        const at = pair.indexOf('=');
        return [pair.slice(0, at), pair.slice(at + 1)];
      }),
      selector: query.selector?.map((pair) => {
        const at = pair.indexOf('=');
        return [pair.slice(0, at), pair.slice(at + 1)];
      }),
      limit: query.limit ?? 50,
      after,
    });
    return {
      items: page.jobs.map(jobView),
      nextCursor: page.nextAfter === undefined ? null : encodeCursor(page.nextAfter),
    };
  }

  @Post('validate')
  // Admin, like the writes it checks for: a viewer gets 403 from every non-GET route.
  @RequireRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Check a job without saving it',
    description:
      'Validates the body as POST /jobs does and answers the job a PUT of it would store, defaults filled in; nothing is written. `cronplane apply` checks every document of its files this way before changing anything.',
  })
  @ApiOkResponse({ type: JobPreviewView })
  validate(@Body() body: CreateJobDto, @CurrentNamespace() namespace: string): JobPreviewView {
    const preview = this.jobs.preview(jobId(namespace, body.name), body);
    return { ...preview, ...splitJobId(preview.name) };
  }

  @Get(':name')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'A job, its next 5 fire times and its last run' })
  @ApiOkResponse({ type: JobDetailView })
  @ApiNotFoundResponse({ type: ErrorView })
  async get(
    @JobIdParam() name: string,
    @Res({ passthrough: true }) res: ResponseHeaders,
  ): Promise<JobDetailView> {
    const job = await this.jobs.get(name);
    let next: string[] = [];
    try {
      next = nextFireTimes(job, Date.now(), 5).map((time) => isoInZone(time, job.timezone));
    } catch {
      // A schedule that ended after the job was saved has no next fire time.
    }
    return {
      ...withEtag(res, job),
      nextFireTimes: next,
      lastRun: await this.lastRun(name),
      danglingSecrets: await this.danglingSecrets(job),
      ...(await this.dependencyLinks(job)),
    };
  }

  @Put(':name')
  @RequireRole('admin')
  @ApiOperation({ summary: 'Create or replace a job' })
  @ApiHeader(IF_MATCH)
  @ApiHeader(MANAGER)
  @ApiHeader(OVERRIDE)
  @ApiOkResponse({ type: JobView, description: 'Replaced.' })
  @ApiCreatedResponse({ type: JobView, description: 'Created.' })
  @ApiConflictResponse({ type: ErrorView, description: 'The job is managed by someone else.' })
  @ApiPreconditionFailedResponse({ type: ErrorView })
  async replace(
    @JobIdParam() name: string,
    @Body() body: ReplaceJobDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('x-cronplane-manager') manager: string | undefined,
    @Headers('x-cronplane-override') override: string | undefined,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: ResponseHeaders,
  ): Promise<JobView> {
    const plain = splitJobId(name).name;
    if (body.name !== undefined && body.name !== plain) {
      throw DomainError.invalid([
        { field: 'name', reason: `must equal the name in the path ("${plain}")` },
      ]);
    }
    const { job, created } = await this.jobs.replace(
      name,
      body,
      parseIfMatch(ifMatch),
      actor,
      accessOf(manager, override),
    );
    res.status(created ? 201 : 200);
    return withEtag(res, job);
  }

  @Patch(':name')
  @RequireRole('admin')
  @ApiOperation({ summary: 'Change some fields of a job' })
  @ApiHeader(IF_MATCH)
  @ApiHeader(MANAGER)
  @ApiHeader(OVERRIDE)
  @ApiOkResponse({ type: JobView })
  @ApiNotFoundResponse({ type: ErrorView })
  @ApiConflictResponse({ type: ErrorView, description: 'The job is managed by someone else.' })
  @ApiPreconditionFailedResponse({ type: ErrorView })
  async patch(
    @JobIdParam() name: string,
    @Body() body: PatchJobDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('x-cronplane-manager') manager: string | undefined,
    @Headers('x-cronplane-override') override: string | undefined,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: ResponseHeaders,
  ): Promise<JobView> {
    const job = await this.jobs.patch(
      name,
      body,
      parseIfMatch(ifMatch),
      actor,
      accessOf(manager, override),
    );
    return withEtag(res, job);
  }

  @Delete(':name')
  @RequireRole('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a job, its high-water mark and its pending triggers' })
  @ApiHeader(IF_MATCH)
  @ApiHeader(MANAGER)
  @ApiHeader(OVERRIDE)
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorView })
  @ApiConflictResponse({ type: ErrorView, description: 'The job is managed by someone else.' })
  @ApiPreconditionFailedResponse({ type: ErrorView })
  async remove(
    @JobIdParam() name: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('x-cronplane-manager') manager: string | undefined,
    @Headers('x-cronplane-override') override: string | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.jobs.remove(name, parseIfMatch(ifMatch), actor, accessOf(manager, override));
  }

  @Post(':name/pause')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause: no more scheduled ticks until resumed' })
  @ApiOkResponse({ type: JobView })
  @ApiNotFoundResponse({ type: ErrorView })
  async pause(
    @JobIdParam() name: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: ResponseHeaders,
  ): Promise<JobView> {
    return withEtag(res, await this.jobs.setEnabled(name, false, actor));
  }

  @Post(':name/resume')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume a paused job' })
  @ApiOkResponse({ type: JobView })
  @ApiNotFoundResponse({ type: ErrorView })
  async resume(
    @JobIdParam() name: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: ResponseHeaders,
  ): Promise<JobView> {
    return withEtag(res, await this.jobs.setEnabled(name, true, actor));
  }

  @Post(':name/run')
  @RequireRole('operator')
  @HttpCode(202)
  @ApiOperation({ summary: 'Run the job now (paused or not); a worker picks the request up' })
  @ApiAcceptedResponse({ type: RunIdView })
  @ApiNotFoundResponse({ type: ErrorView })
  run(@JobIdParam() name: string, @CurrentActor() actor: Actor): Promise<RunIdView> {
    return this.control.runNow(name, actor);
  }

  @Post(':name/kill')
  @RequireRole('operator')
  @HttpCode(202)
  @ApiOperation({ summary: 'Kill every running run of the job' })
  @ApiAcceptedResponse({ type: JobKillView })
  @ApiNotFoundResponse({ type: ErrorView })
  kill(@JobIdParam() name: string, @CurrentActor() actor: Actor): Promise<JobKillView> {
    return this.control.killJob(name, actor);
  }

  @Get(':name/runs')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Runs of a job, newest first' })
  @ApiOkResponse({ type: RunPageView })
  async runsOf(@JobIdParam() name: string, @Query() query: ListRunsQueryDto): Promise<RunPageView> {
    const limit = query.limit ?? 50;
    const runs = await this.runs.find({
      job: name,
      statuses: query.status,
      from: query.from,
      to: query.to,
      before: query.cursor === undefined ? undefined : runCursor(query.cursor),
      limit,
    });
    const last = runs[runs.length - 1];
    return {
      items: runs.map((run) => runView(run, false)),
      nextCursor:
        runs.length === limit && last
          ? encodeCursor({ t: new Date(last.tick).getTime(), r: last.runId })
          : null,
    };
  }

  /** The job's parents (and which are dangling) and children. */
  private async dependencyLinks(
    job: StoredJob,
  ): Promise<Pick<JobDetailView, 'upstream' | 'downstream' | 'danglingParents'>> {
    const upstream = await this.dependencies.upstream(job);
    return {
      upstream,
      downstream: await this.dependencies.downstream(job.name),
      danglingParents: upstream.filter((link) => !link.exists).map((link) => link.job),
    };
  }

  /** The secrets the job's env names that do not exist (its runs would fail). */
  private async danglingSecrets(job: StoredJob): Promise<string[]> {
    const { namespace } = splitJobId(job.name);
    const refs = [
      ...new Set(
        Object.values(job.env ?? {})
          .filter(isSecretRef)
          .map((value) => value.secretRef),
      ),
    ];
    const missing: string[] = [];
    for (const ref of refs) if (!(await this.secrets.get(namespace, ref))) missing.push(ref);
    return missing;
  }

  private async lastRun(name: string): Promise<ReturnType<typeof runSummary> | null> {
    let run: Run | undefined;
    try {
      run = await this.runs.last(name);
    } catch (error) {
      // The job lives in etcd; a MongoDB outage should not hide it.
      this.logger.warn({ msg: 'last run unavailable', job: name, err: error as Error });
      return null;
    }
    return run ? runSummary(run) : null;
  }
}

/** The jobs collection's path of a namespace (the old path for `default`). */
function jobPath(namespace: string): string {
  return namespace === DEFAULT_NAMESPACE ? `${V1}/jobs` : `${V1}/namespaces/${namespace}/jobs`;
}

function runCursor(cursor: string): { tick: Date; runId: string } {
  const decoded = decodeCursor(cursor) as { t?: unknown; r?: unknown } | undefined;
  if (!decoded || typeof decoded.t !== 'number' || typeof decoded.r !== 'string') {
    throw DomainError.invalid([{ field: 'cursor', reason: 'is not a cursor this API returned' }]);
  }
  return { tick: new Date(decoded.t), runId: decoded.r };
}
