import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, ValidateBy } from 'class-validator';
import { EXPECT_STATUS_RULE, parseExpectStatus } from '../../executor/http/expect-status';
import { HTTP_DEFAULTS, HTTP_LIMITS, HTTP_METHODS, HttpMethod } from '../../jobs/http-job';
import { headersProblem, urlProblem } from '../../jobs/http-job-rules';
import { EnvValue } from '../../jobs/job.model';
import { IsByteString, IsIntIn } from './validators';

export const EXECUTOR_TYPES = ['shell', 'http'] as const;
const HTTP_FIELDS = [
  'method',
  'url',
  'headers',
  'body',
  'expectStatus',
  'followRedirects',
  'maxResponseBytes',
];

/** `shell` takes no other field; `http` needs `url`. */
function IsExecutorType(): PropertyDecorator {
  return ValidateBy({
    name: 'isExecutorType',
    validator: {
      validate: (value: unknown, args) => {
        const object = (args?.object ?? {}) as Record<string, unknown>;
        if (value === 'shell') return HTTP_FIELDS.every((field) => object[field] === undefined);
        return value === 'http' && object.url !== undefined;
      },
      defaultMessage: (args) =>
        args?.value === 'shell'
          ? 'shell takes no other executor field (the command is the job\'s "command")'
          : args?.value === 'http'
            ? 'http needs executor.url'
            : `must be one of ${EXECUTOR_TYPES.join(', ')}`,
    },
  });
}

function Checked(problem: (value: unknown) => string | undefined): PropertyDecorator {
  return ValidateBy({
    name: 'httpField',
    validator: {
      validate: (value: unknown) => problem(value) === undefined,
      defaultMessage: (args) => problem(args?.value) ?? 'is invalid',
    },
  });
}

const expectStatusProblem = (value: unknown): string | undefined =>
  Array.isArray(value) &&
  value.length <= HTTP_LIMITS.expectStatusEntries &&
  value.every((v) => typeof v === 'string' || typeof v === 'number') &&
  parseExpectStatus(value as (string | number)[]) !== undefined
    ? undefined
    : EXPECT_STATUS_RULE;

/**
 * A job's `executor`: absent or `{"type": "shell"}` runs `command`; `{"type": "http", ...}` sends
 * one request per run instead (docs/api.md, "HTTP jobs").
 */
export class JobExecutorDto {
  @ApiProperty({
    enum: EXECUTOR_TYPES,
    description: '`shell`: run `command`; `http`: send a request.',
  })
  @IsExecutorType()
  type!: (typeof EXECUTOR_TYPES)[number];

  @ApiPropertyOptional({ enum: HTTP_METHODS, default: 'GET' })
  @IsOptional()
  @IsIn(HTTP_METHODS, { message: `must be one of ${HTTP_METHODS.join(', ')}` })
  method?: HttpMethod;

  @ApiPropertyOptional({
    format: 'uri',
    maxLength: HTTP_LIMITS.urlLength,
    description: 'http(s) URL, without credentials (put them in a header with a secretRef).',
    example: 'https://billing.internal/hooks/close-day',
  })
  @IsOptional()
  @Checked(urlProblem)
  url?: string;

  @ApiPropertyOptional({
    type: 'object',
    description:
      'Request headers: a value, or `{"secretRef": "<name>"}` for a secret of the job\'s namespace, resolved on the worker and masked in the output. Host, Content-Length, Connection and the X-Cronplane-* run headers are set by the worker.',
    additionalProperties: {
      oneOf: [
        { type: 'string' },
        { type: 'object', properties: { secretRef: { type: 'string' } }, required: ['secretRef'] },
      ],
    },
    example: { Authorization: { secretRef: 'api-token' }, 'Content-Type': 'application/json' },
  })
  @IsOptional()
  @Checked(headersProblem)
  headers?: Record<string, EnvValue>;

  @ApiPropertyOptional({ description: `Request body, at most ${HTTP_LIMITS.bodyBytes} bytes.` })
  @IsOptional()
  @IsByteString(0, HTTP_LIMITS.bodyBytes)
  body?: string;

  @ApiPropertyOptional({
    type: 'array',
    items: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
    maxItems: HTTP_LIMITS.expectStatusEntries,
    default: HTTP_DEFAULTS.expectStatus,
    description:
      'Statuses that succeed: codes (`204`), classes (`2xx`) or ranges (`200-299`). Another status fails the run (exit code 1).',
    example: ['2xx', '304'],
  })
  @IsOptional()
  @Checked(expectStatusProblem)
  expectStatus?: (string | number)[];

  @ApiPropertyOptional({
    minimum: 0,
    maximum: HTTP_LIMITS.followRedirects,
    default: HTTP_DEFAULTS.followRedirects,
    description:
      'Redirects followed at most (each target checked like the first URL); 0: a 3xx is the response. More than this fails the run.',
  })
  @IsOptional()
  @IsIntIn(0, HTTP_LIMITS.followRedirects)
  followRedirects?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: HTTP_LIMITS.maxResponseBytes,
    default: HTTP_DEFAULTS.maxResponseBytes,
    description:
      'Bytes of the response body kept in the output; the rest is not read and the run is marked truncated.',
  })
  @IsOptional()
  @IsIntIn(0, HTTP_LIMITS.maxResponseBytes)
  maxResponseBytes?: number;
}
