import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { MAX_PARENTS } from '../../jobs/dependencies/dependency.model';
import { JobDependencyDto, JobDependencyView } from './dependency.dto';
import { MAX_COMMAND_BYTES, MAX_STDIN_BYTES, SHELL_PATH_PATTERN } from '../../jobs/job-input';
import { RUN_AS_PATTERN } from '../../jobs/run-as';
import {
  CONCURRENCY_POLICIES,
  ConcurrencyPolicy,
  EnvValue,
  MANAGED_BY_PATTERN,
  MISFIRE_POLICIES,
  MisfirePolicy,
  TARGET_MODES,
  TargetMode,
} from '../../jobs/job.model';
import { JobExecutorDto } from './http-executor.dto';
import {
  IsByteString,
  IsEnvMap,
  IsIntIn,
  IsJobName,
  IsNumberIn,
  IsRunAs,
  IsStringMap,
  IsTimezone,
} from './validators';

export const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export class RetryPolicyDto {
  @ApiPropertyOptional({
    description: 'Retries after a failure or timeout (0: none).',
    minimum: 0,
    maximum: 100,
    default: 0,
  })
  @IsOptional()
  @IsIntIn(0, 100)
  max?: number;

  @ApiPropertyOptional({
    description: 'Wait before the first retry.',
    minimum: 0,
    maximum: 86400,
    default: 10,
  })
  @IsOptional()
  @IsIntIn(0, 86400)
  backoffSeconds?: number;

  @ApiPropertyOptional({
    description: 'Each further retry waits this many times longer.',
    minimum: 1,
    maximum: 10,
    default: 2,
  })
  @IsOptional()
  @IsNumberIn(1, 10)
  factor?: number;
}

export class JobTargetDto {
  @ApiPropertyOptional({
    description: 'Only workers with all these labels run the job.',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { zone: 'eu-1' },
  })
  @IsOptional()
  @IsStringMap(LABEL_KEY, 32, 63)
  labels?: Record<string, string>;

  @ApiPropertyOptional({
    enum: TARGET_MODES,
    default: 'one',
    description: '`one` matching worker per tick, or `all` of them.',
  })
  @IsOptional()
  @IsIn(TARGET_MODES, { message: `must be one of ${TARGET_MODES.join(', ')}` })
  mode?: TargetMode;
}

export class JobAlertsDto {
  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  onFailure?: boolean;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  onTimeout?: boolean;

  @ApiPropertyOptional({ format: 'uri', example: 'https://hooks.example.com/cron' })
  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'must be an http(s) URL' },
  )
  @MaxLength(2048)
  webhookUrl?: string;
}

/** The writable fields of a job, shared by create, replace and patch. */
export class JobFieldsDto {
  @ApiPropertyOptional({
    description: `Shell command, 1 byte to ${MAX_COMMAND_BYTES} bytes; required unless \`executor\` is http (then absent).`,
    example: 'echo hello',
  })
  @IsOptional()
  @IsByteString(1, MAX_COMMAND_BYTES)
  command?: string;

  @ApiPropertyOptional({
    type: JobExecutorDto,
    description:
      'How a run executes: absent or `{"type": "shell"}` runs `command`; `{"type": "http", "url": ...}` sends one HTTP request per run instead.',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => JobExecutorDto)
  executor?: JobExecutorDto;

  @ApiProperty({
    description:
      '5 fields (min hour dom month dow), 6 with leading seconds, @yearly|@monthly|@weekly|@daily|@hourly, or @every <duration> such as @every 90s. A job with `after` may leave it out (or empty): it then runs only when triggered.',
    example: '*/5 * * * *',
  })
  @ValidateIf((job: JobFieldsDto) => job.cronExpr !== undefined || !job.after?.length)
  @IsString()
  @MaxLength(256)
  cronExpr!: string;

  @ApiPropertyOptional({
    description: 'IANA time zone of the schedule.',
    default: 'UTC',
    example: 'Europe/Berlin',
  })
  @IsOptional()
  @IsTimezone()
  timezone?: string;

  @ApiPropertyOptional({ maxLength: 1024, default: '' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  @ApiPropertyOptional({ description: 'false: paused.', default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ description: '0: no timeout.', minimum: 0, maximum: 604800, default: 0 })
  @IsOptional()
  @IsIntIn(0, 604800)
  timeoutSeconds?: number;

  @ApiPropertyOptional({ enum: CONCURRENCY_POLICIES, default: 'forbid' })
  @IsOptional()
  @IsIn(CONCURRENCY_POLICIES, { message: `must be one of ${CONCURRENCY_POLICIES.join(', ')}` })
  concurrencyPolicy?: ConcurrencyPolicy;

  @ApiPropertyOptional({ enum: MISFIRE_POLICIES, default: 'runOnce' })
  @IsOptional()
  @IsIn(MISFIRE_POLICIES, { message: `must be one of ${MISFIRE_POLICIES.join(', ')}` })
  misfirePolicy?: MisfirePolicy;

  @ApiPropertyOptional({
    description: 'How far back missed ticks are caught up.',
    minimum: 0,
    maximum: 2592000,
    default: 3600,
  })
  @IsOptional()
  @IsIntIn(0, 2592000)
  catchupWindowSeconds?: number;

  @ApiPropertyOptional({ type: RetryPolicyDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RetryPolicyDto)
  retries?: RetryPolicyDto;

  @ApiPropertyOptional({ type: JobTargetDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => JobTargetDto)
  target?: JobTargetDto;

  @ApiPropertyOptional({
    type: 'object',
    description:
      'Variables of the command: a value, or `{"secretRef": "<name>"}` for a secret of the job\'s namespace, given to the command only (and masked in its output).',
    additionalProperties: {
      oneOf: [
        { type: 'string' },
        { type: 'object', properties: { secretRef: { type: 'string' } }, required: ['secretRef'] },
      ],
    },
    example: { LANG: 'C.UTF-8', DB_PASSWORD: { secretRef: 'db-password' } },
  })
  @IsOptional()
  @IsEnvMap(ENV_KEY, 256, 32768)
  env?: Record<string, EnvValue>;

  @ApiPropertyOptional({ type: JobAlertsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => JobAlertsDto)
  alerts?: JobAlertsDto;

  @ApiPropertyOptional({
    description:
      "Absolute path of the shell that runs `<shell> -c <command>`; when absent, the worker's WORKER_SHELL.",
    example: '/bin/bash',
    pattern: SHELL_PATH_PATTERN.source,
  })
  @IsOptional()
  @Matches(SHELL_PATH_PATTERN, {
    message: 'must be an absolute path of printable characters (no spaces), at most 256 bytes',
  })
  shell?: string;

  @ApiPropertyOptional({
    description: `Standard input of the command, up to ${MAX_STDIN_BYTES} bytes: the process reads it, then end of file. When absent, /dev/null.`,
    example: 'line one\nline two\n',
  })
  @IsOptional()
  @IsByteString(0, MAX_STDIN_BYTES)
  stdin?: string;

  @ApiPropertyOptional({
    description:
      "The user the command runs as, `user` or `user:group` (names or numeric ids), resolved on the worker: uid, gid and the user's supplementary groups are set before exec, HOME, USER and LOGNAME come from its passwd entry (unless `env` sets them), and it starts in the user's home. A named group must be one of the user's. The namespace must list the user; root needs its explicit permission; a worker that is not root runs commands only as its own user. When absent, the worker's user.",
    example: 'backup:backup',
    pattern: RUN_AS_PATTERN.source,
    maxLength: 65,
  })
  @IsOptional()
  @IsRunAs()
  runAs?: string;

  @ApiPropertyOptional({
    description:
      "The job's own labels (metadata, not worker selection): `cronplane export --selector` and `GET /jobs?selector=` select jobs by them.",
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { team: 'billing' },
  })
  @IsOptional()
  @IsStringMap(LABEL_KEY, 32, 63)
  labels?: Record<string, string>;

  @ApiPropertyOptional({
    description:
      'Who owns the definition, e.g. `git:<repo>` (set by `cronplane apply`). A managed job changes only through its manager, or with the header X-Cronplane-Override: <reason>.',
    example: 'git:git@example.com:ops/jobs.git',
    pattern: MANAGED_BY_PATTERN.source,
  })
  @IsOptional()
  @Matches(MANAGED_BY_PATTERN, {
    message: 'must be 1 to 256 printable characters without spaces',
  })
  managedBy?: string;

  @ApiPropertyOptional({
    type: [JobDependencyDto],
    maxItems: MAX_PARENTS,
    description:
      "Jobs of the same namespace this one runs after: once every one of them has had a matching run since this job's last dependency-triggered run, it runs once (trigger `dependency`). A cycle is refused with 422.",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_PARENTS)
  @ValidateNested({ each: true })
  @Type(() => JobDependencyDto)
  after?: JobDependencyDto[];
}

/** PUT /jobs/{name}: the whole job; `name`, if given, must equal the path's. */
export class ReplaceJobDto extends JobFieldsDto {
  @ApiPropertyOptional({ description: 'Must equal the name in the path when given.' })
  @IsOptional()
  @IsJobName()
  name?: string;
}

/** POST /jobs. */
export class CreateJobDto extends JobFieldsDto {
  @ApiProperty({
    description: '1-128 characters of [A-Za-z0-9._-], starting with a letter or digit, no "..".',
    example: 'nightly-report',
  })
  @IsJobName()
  name!: string;
}

/** PATCH /jobs/{name}: only the given fields change. */
export class PatchJobDto extends PartialType(JobFieldsDto) {}

export class RetryPolicyView {
  @ApiProperty() max!: number;
  @ApiProperty() backoffSeconds!: number;
  @ApiProperty() factor!: number;
}

export class JobTargetView {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<
    string,
    string
  >;
  @ApiProperty({ enum: TARGET_MODES }) mode!: TargetMode;
}

export class JobAlertsView {
  @ApiProperty() onFailure!: boolean;
  @ApiProperty() onTimeout!: boolean;
  @ApiPropertyOptional() webhookUrl?: string;
}

/** A stored job. */
export class JobView {
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'default' }) namespace!: string;
  @ApiProperty() command!: string;
  @ApiProperty() cronExpr!: string;
  @ApiProperty({
    enum: ['standard', 'gorhill'],
    description: '`gorhill` for jobs saved through /job/save.',
  })
  cronDialect!: 'standard' | 'gorhill';
  @ApiProperty() timezone!: string;
  @ApiProperty() description!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() timeoutSeconds!: number;
  @ApiProperty({ enum: CONCURRENCY_POLICIES }) concurrencyPolicy!: ConcurrencyPolicy;
  @ApiProperty({ enum: MISFIRE_POLICIES }) misfirePolicy!: MisfirePolicy;
  @ApiProperty() catchupWindowSeconds!: number;
  @ApiProperty({ type: RetryPolicyView }) retries!: RetryPolicyView;
  @ApiProperty({ type: JobTargetView }) target!: JobTargetView;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Values, or `{"secretRef": "<name>"}` (never the secret\'s value).',
  })
  env!: Record<string, EnvValue>;
  @ApiProperty({ type: JobAlertsView }) alerts!: JobAlertsView;
  @ApiPropertyOptional({ description: "Absent: the worker's WORKER_SHELL." }) shell?: string;
  @ApiPropertyOptional({ description: 'Absent: /dev/null.' }) stdin?: string;
  @ApiPropertyOptional({ description: "`user` or `user:group`; absent: the worker's user." })
  runAs?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  labels?: Record<string, string>;
  @ApiPropertyOptional({ description: 'Absent: not managed; anyone with the role may edit.' })
  managedBy?: string;
  @ApiPropertyOptional({ type: [JobDependencyView], description: 'Absent: none.' })
  after?: JobDependencyView[];
  @ApiPropertyOptional({
    type: JobExecutorDto,
    description: "An HTTP job's request (`command` is then empty); absent: a shell job.",
  })
  executor?: JobExecutorDto;
  @ApiProperty({ format: 'date-time', readOnly: true }) createdAt!: string;
  @ApiProperty({ format: 'date-time', readOnly: true }) updatedAt!: string;
  @ApiProperty({ readOnly: true, description: 'etcd mod_revision; send it as If-Match.' })
  revision!: number;
}

/** POST /jobs/validate: the job a PUT would store, without its server-managed fields. */
export class JobPreviewView extends OmitType(JobView, [
  'createdAt',
  'updatedAt',
  'revision',
] as const) {}
