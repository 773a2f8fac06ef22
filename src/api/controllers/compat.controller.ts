import { DEFAULT_NAMESPACE } from '../../namespaces/namespace';
import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Actor } from '../../auth/actor';
import { ClusterScoped } from '../../auth/cluster-scoped.decorator';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { RequireRole } from '../../auth/require-role.decorator';
import { DomainError } from '../../jobs/domain-error';
import { CompatJob } from '../../jobs/job-input';
import { StoredJob } from '../../jobs/job.model';
import { JobsService } from '../../jobs/jobs.service';
import { RunControlService } from '../../jobs/run-control.service';
import { RunsRepository } from '../../logs/runs.repository';
import { Run } from '../../logs/schemas/run.schema';
import { WorkersRepository } from '../../workers/workers.repository';
import { CompatJobDto } from '../dto/misc.dto';
import { JobNamePipe } from '../pipes/params';
import { validateInput } from '../errors/validation';

/** The original crontab's answer; errors become `{errno: -1, msg}` in ApiExceptionFilter. */
interface CompatReply<T> {
  errno: 0;
  msg: 'success';
  data: T;
}

/** The original crontab's log record; times in epoch milliseconds. */
export interface CompatLogRecord {
  jobName: string;
  command: string;
  output: string;
  err: string;
  planTime: number;
  scheduleTime: number;
  startTime: number;
  endTime: number;
}

type FormBody = Record<string, unknown> | undefined;

function ok<T>(data: T): CompatReply<T> {
  return { errno: 0, msg: 'success', data };
}

function compatJob(job: StoredJob | undefined): CompatJob | null {
  return job ? { name: job.name, command: job.command, cronExpr: job.cronExpr } : null;
}

function epoch(date: Date | undefined): number {
  return date ? new Date(date).getTime() : 0;
}

function failure(run: Run): string {
  if (run.status === 'succeeded') return '';
  if (run.error) return run.error;
  if (run.exitCode !== undefined && run.exitCode !== null)
    return `${run.status}: exit code ${run.exitCode}`;
  return run.signal ? `${run.status}: signal ${run.signal}` : run.status;
}

function logRecord(run: Run, command: string | undefined): CompatLogRecord {
  const tick = epoch(run.tick);
  return {
    jobName: run.job,
    command: run.command ?? command ?? '',
    output: run.output ?? '',
    err: failure(run),
    planTime: tick,
    scheduleTime: run.startedAt ? epoch(run.startedAt) : tick + (run.latenessMs ?? 0),
    startTime: epoch(run.startedAt),
    endTime: epoch(run.endedAt),
  };
}

function field(body: FormBody, name: string): string {
  const value = body?.[name];
  if (typeof value !== 'string')
    throw DomainError.invalid([{ field: name, reason: 'is required (form field or JSON)' }]);
  return value;
}

function count(raw: string | undefined, name: string, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value > max) {
    throw DomainError.invalid([{ field: name, reason: `must be an integer from 0 to ${max}` }]);
  }
  return value;
}

/**
 * The original Go crontab's API, kept for its scripts and page: same paths, same shapes, now
 * behind bearer tokens and through the same services and validation as /api/v1.
 */
@ApiExcludeController()
@Controller()
export class CompatController {
  constructor(
    private readonly jobs: JobsService,
    private readonly control: RunControlService,
    private readonly runs: RunsRepository,
    private readonly workers: WorkersRepository,
  ) {}

  /** JSON body `{name, command, cronExpr}`, or form field `job` holding that JSON. */
  @Post('job/save')
  @HttpCode(200)
  @RequireRole('admin')
  async save(
    @Body() body: FormBody,
    @CurrentActor() actor: Actor,
  ): Promise<CompatReply<CompatJob | null>> {
    let plain: unknown = body;
    if (typeof body?.job === 'string') {
      try {
        plain = JSON.parse(body.job) as unknown;
      } catch {
        throw DomainError.invalid([{ field: 'job', reason: 'is not valid JSON' }]);
      }
    }
    const input = await validateInput(CompatJobDto, plain);
    const previous = await this.jobs.saveCompat(
      { name: input.name, command: input.command, cronExpr: input.cronExpr },
      actor,
    );
    return ok(compatJob(previous));
  }

  @Post('job/delete')
  @HttpCode(200)
  @RequireRole('admin')
  async remove(
    @Body() body: FormBody,
    @CurrentActor() actor: Actor,
  ): Promise<CompatReply<CompatJob | null>> {
    const name = new JobNamePipe().transform(field(body, 'name'));
    return ok(compatJob(await this.jobs.removeCompat(name, actor)));
  }

  @Get('job/list')
  @RequireRole('viewer')
  async list(): Promise<CompatReply<CompatJob[]>> {
    const jobs: CompatJob[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.jobs.list({ namespace: DEFAULT_NAMESPACE, limit: 500, after });
      jobs.push(
        ...page.jobs.map((job) => ({
          name: job.name,
          command: job.command,
          cronExpr: job.cronExpr,
        })),
      );
      if (page.nextAfter === undefined) return ok(jobs);
      after = page.nextAfter;
    }
  }

  @Post('job/kill')
  @HttpCode(200)
  @RequireRole('operator')
  async kill(@Body() body: FormBody, @CurrentActor() actor: Actor): Promise<CompatReply<null>> {
    const name = new JobNamePipe().transform(field(body, 'name'));
    await this.control.killJob(name, actor);
    return ok(null);
  }

  @Get('job/log')
  @RequireRole('viewer')
  async log(
    @Query('name') rawName: string | undefined,
    @Query('skip') rawSkip: string | undefined,
    @Query('limit') rawLimit: string | undefined,
  ): Promise<CompatReply<CompatLogRecord[]>> {
    const name = new JobNamePipe().transform(typeof rawName === 'string' ? rawName : '');
    const skip = count(rawSkip, 'skip', 0, 1_000_000);
    const limit = count(rawLimit, 'limit', 20, 1000);
    const [runs, job] = await Promise.all([
      this.runs.page(name, skip, limit),
      this.jobs.get(name).catch(() => undefined),
    ]);
    return ok(runs.map((run) => logRecord(run, job?.command)));
  }

  @Get('worker/list')
  @RequireRole('viewer')
  @ClusterScoped()
  async workerList(): Promise<CompatReply<string[]>> {
    return ok((await this.workers.workers()).map((worker) => worker.ip));
  }
}
