import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import 'reflect-metadata';
import {
  IsIn,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MinLength,
  ValidateBy,
  ValidationError,
  validateSync,
} from 'class-validator';
import { ROLES, Role } from './role';
import { CIDR_RULE, parseCidr } from '../executor/http/cidr';

/** One check and one message for a bounded integer, so errors read the same for every variable. */
function IntegerIn(min: number, max: number, what: string): PropertyDecorator {
  return ValidateBy({
    name: 'integerIn',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
      defaultMessage: () => `must be ${what} from ${min} to ${max}`,
    },
  });
}

/** A list of IP addresses or CIDR ranges (HTTP_JOB_ALLOW_CIDRS, HTTP_JOB_DENY_CIDRS). */
function CidrList(): PropertyDecorator {
  return ValidateBy({
    name: 'cidrList',
    validator: {
      validate: (value: unknown) =>
        Array.isArray(value) &&
        value.every((v) => typeof v === 'string' && parseCidr(v) !== undefined),
      defaultMessage: () => CIDR_RULE,
    },
  });
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}=[A-Za-z0-9._-]{0,63}$/;

/**
 * Every setting of the process, read once from the environment at start-up. Each property is
 * named after its environment variable so an error message can name the variable directly.
 */
export class AppConfig {
  @IsIn(ROLES, { message: `must be one of ${ROLES.join(', ')}` })
  ROLE: Role = 'all';

  @IntegerIn(0, 65535, 'a port number')
  PORT = 8070;

  @IntegerIn(0, 65535, 'a port number')
  WORKER_PORT = 8071;

  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { each: true, message: 'must be a comma-separated list of http(s)://host:port URLs' },
  )
  ETCD_ENDPOINTS: string[] = ['http://127.0.0.1:2379'];

  @Matches(/^\/([A-Za-z0-9._-]+\/)*$/, {
    message: 'must start and end with "/" and contain only [A-Za-z0-9._-] segments',
  })
  ETCD_PREFIX = '/cron/';

  /** The etcd server's `--max-txn-ops` (claims due together share transactions up to it). */
  @IntegerIn(2, 100000, 'an operation count')
  ETCD_MAX_TXN_OPS = 128;

  @Matches(/^mongodb(\+srv)?:\/\/[^/\s]+\/[^/\s?]+(\?\S*)?$/, {
    message: 'must be a mongodb:// URI that names a database',
  })
  MONGODB_URI = 'mongodb://127.0.0.1:27017/cron';

  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['nats', 'tls'] },
    { each: true, message: 'must be a comma-separated list of nats://host:port URLs' },
  )
  NATS_URL?: string[] = undefined;

  // TLS and authentication to etcd and NATS: file paths (where Kubernetes mounts Secrets).
  // A password may be given inline (ETCD_PASSWORD) or, better, in a file (ETCD_PASSWORD_FILE).
  @IsOptional() @IsString() @MinLength(1) ETCD_CA_FILE?: string = undefined;
  @IsOptional() @IsString() @MinLength(1) ETCD_CERT_FILE?: string = undefined;
  @IsOptional() @IsString() @MinLength(1) ETCD_KEY_FILE?: string = undefined;
  @IsOptional() @IsString() @MinLength(1) ETCD_USERNAME?: string = undefined;
  @IsOptional() @IsString() @MinLength(1) ETCD_PASSWORD?: string = undefined;
  @IsOptional() @IsString() @MinLength(1) ETCD_PASSWORD_FILE?: string = undefined;
  @IsOptional() @IsString() @MinLength(1) NATS_CA_FILE?: string = undefined;
  @IsOptional() @IsString() @MinLength(1) NATS_CERT_FILE?: string = undefined;
  @IsOptional() @IsString() @MinLength(1) NATS_KEY_FILE?: string = undefined;
  @IsOptional() @IsString() @MinLength(1) NATS_CREDS_FILE?: string = undefined;
  @IsOptional() @IsString() @MinLength(1) NATS_USER?: string = undefined;
  @IsOptional() @IsString() @MinLength(1) NATS_PASSWORD?: string = undefined;
  @IsOptional() @IsString() @MinLength(1) NATS_PASSWORD_FILE?: string = undefined;

  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, {
    message: 'must be 1-128 characters of [A-Za-z0-9._-], starting with a letter or digit',
  })
  WORKER_ID = defaultWorkerId();

  @Matches(LABEL, { each: true, message: 'must be a comma-separated list of key=value labels' })
  WORKER_LABELS: string[] = [];

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  CRON_ADMIN_TOKEN?: string = undefined;

  /** 32 bytes (raw or base64 text) under which secret values are stored; absent: no secrets. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  CRON_SECRETS_KEY_FILE?: string = undefined;

  /** The key before a rotation, kept readable until `cronplane secrets rotate-key` has run. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  CRON_SECRETS_PREVIOUS_KEY_FILE?: string = undefined;

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @IsIn(['0', '1'], { message: 'must be 0 or 1' })
  LOG_PRETTY: '0' | '1' = process.stdout.isTTY ? '1' : '0';

  /** TTL of the worker's (and master's) etcd session lease. */
  @IntegerIn(3, 300, 'a whole number of seconds')
  SESSION_TTL_SECONDS = 10;

  @IntegerIn(1, 100000, 'an integer')
  WORKER_MAX_CONCURRENT = 256;

  /** Users the default namespace's jobs may name in `runAs` (`root` among them allows root). */
  @Matches(/^[A-Za-z0-9._][A-Za-z0-9._-]{0,31}$/, {
    each: true,
    message: 'must be a comma-separated list of user names or numeric uids',
  })
  DEFAULT_NAMESPACE_RUN_AS_USERS: string[] = [];

  @IsString()
  @MinLength(1)
  WORKER_SHELL = '/bin/sh';

  @IntegerIn(1024, 64 * 1024 * 1024, 'a number of bytes')
  OUTPUT_CAP_BYTES = 1024 * 1024;

  @IntegerIn(0, 3600, 'a whole number of seconds')
  KILL_GRACE_SECONDS = 5;

  /** Addresses HTTP jobs may reach although built in as refused (link-local, metadata, own API). */
  @CidrList()
  HTTP_JOB_ALLOW_CIDRS: string[] = [];

  /** Addresses HTTP jobs may never reach (e.g. the masters' addresses); wins over the allow list. */
  @CidrList()
  HTTP_JOB_DENY_CIDRS: string[] = [];

  @IntegerIn(1, 10000, 'an integer')
  RUNLOG_BATCH_SIZE = 100;

  @IntegerIn(1, 60000, 'a number of milliseconds')
  RUNLOG_FLUSH_MS = 1000;

  @IsString()
  RUNLOG_SPOOL_DIR = './.spool';

  /** On SIGTERM a worker waits this long for running work to finish, then kills it. */
  @IntegerIn(0, 86400, 'a whole number of seconds')
  WORKER_DRAIN_SECONDS = 30;

  /** What a worker does with running work when its session lease is lost (its running keys are gone). */
  @IsIn(['kill', 'finish'], { message: 'must be kill or finish' })
  WORKER_ON_LEASE_LOSS: 'kill' | 'finish' = 'kill';

  /** A tick fired later than this is a misfire and follows the job's misfire policy. */
  @IntegerIn(100, 3_600_000, 'a number of milliseconds')
  MISFIRE_THRESHOLD_MS = 5000;

  /**
   * A tick is claimed this long before it is due and its process started at the tick itself, so
   * the claim's round trip to etcd is not part of its lateness. 0 claims at the tick.
   */
  @IntegerIn(0, 1000, 'a number of milliseconds')
  CLAIM_LEAD_MS = 100;

  /** Misfire policy runAll fires at most this many missed ticks per job, the latest ones. */
  @IntegerIn(1, 100000, 'an integer')
  CATCHUP_MAX_RUNS = 100;

  /** Where alerts go when the job names no webhook of its own. */
  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'must be an http(s) URL' },
  )
  ALERT_WEBHOOK_URL?: string = undefined;

  /** Key of the HMAC-SHA256 signature header on webhook deliveries. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  ALERT_WEBHOOK_SECRET?: string = undefined;

  @IntegerIn(1, 100, 'an integer')
  ALERT_MAX_ATTEMPTS = 8;

  @IntegerIn(1, 3600, 'a whole number of seconds')
  ALERT_BACKOFF_SECONDS = 2;

  @IntegerIn(1, 36500, 'a whole number of days')
  RETENTION_DAYS = 30;

  @IntegerIn(1, 10_000_000, 'an integer')
  RETENTION_MAX_RUNS = 10000;

  @IntegerIn(1, 86400, 'a whole number of seconds')
  RETENTION_INTERVAL_SECONDS = 3600;

  @IntegerIn(1, 3600, 'a whole number of seconds')
  REAPER_INTERVAL_SECONDS = 10;

  /**
   * A backfill runs a tick the job's mark has passed without any record of it only this long
   * after it first saw the mark past it (a claim's record, or its `lost` record, is on its way).
   */
  @IntegerIn(0, 86400, 'a whole number of seconds')
  BACKFILL_SETTLE_SECONDS = 300;

  /** Failed authentications (a token that matches none) allowed per client IP per window; 0 = off. */
  @IntegerIn(0, 1_000_000, 'an integer')
  AUTH_FAILURE_LIMIT = 10;

  /** The window of AUTH_FAILURE_LIMIT; a refused client gets 429 until its window ends. */
  @IntegerIn(1, 86400, 'a whole number of seconds')
  AUTH_FAILURE_WINDOW_SECONDS = 60;

  /** Client IPs tracked at most by the auth failure limiter (memory bound). */
  @IntegerIn(1, 10_000_000, 'an integer')
  AUTH_FAILURE_MAX_CLIENTS = 10000;

  // Single sign-on with OpenID Connect (docs/security.md#single-sign-on): on when OIDC_ISSUER_URL is set.
  /** The provider's issuer URL (https; http only on a loopback address). */
  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'must be an http(s) URL' },
  )
  OIDC_ISSUER_URL?: string = undefined;

  @IsOptional() @IsString() @MinLength(1) OIDC_CLIENT_ID?: string = undefined;
  @IsOptional() @IsString() @MinLength(1) OIDC_CLIENT_SECRET?: string = undefined;
  @IsOptional() @IsString() @MinLength(1) OIDC_CLIENT_SECRET_FILE?: string = undefined;

  /** The provider's public client (device flow) that `cronplane login --sso` uses. */
  @IsOptional() @IsString() @MinLength(1) OIDC_CLI_CLIENT_ID?: string = undefined;

  /** The claim of ID and access tokens that lists the user's groups. */
  @Matches(/^[A-Za-z0-9_:./-]{1,128}$/, { message: 'must be a claim name' })
  OIDC_GROUPS_CLAIM = 'groups';

  /** The `aud` access tokens must carry to be accepted by the API; unset: OIDC_CLIENT_ID. */
  @IsOptional() @IsString() @MinLength(1) OIDC_AUDIENCE?: string = undefined;

  /** Where the provider sends the browser back; unset: this master's /api/v1/sso/callback. */
  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'must be an http(s) URL' },
  )
  OIDC_REDIRECT_URL?: string = undefined;

  /** Scopes asked for at login, space-separated. */
  @Matches(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, {
    message: 'must be space-separated scope names',
  })
  OIDC_SCOPES = 'openid profile';

  /** Lifetime of a console session (cookie), in seconds. */
  @IntegerIn(60, 30 * 86400, 'a whole number of seconds')
  SSO_SESSION_TTL_SECONDS = 8 * 3600;

  /** 1: believe X-Forwarded-Proto (set by your TLS proxy) when deciding on Secure cookies. */
  @IsIn(['0', '1'], { message: 'must be 0 or 1' })
  TRUST_FORWARDED_PROTO: '0' | '1' = '0';

  get workerLabels(): Record<string, string> {
    return Object.fromEntries(
      this.WORKER_LABELS.map((pair) => {
        const at = pair.indexOf('=');
        return [pair.slice(0, at), pair.slice(at + 1)];
      }),
    );
  }
}

export class ConfigError extends Error {}

function defaultWorkerId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 100) || 'worker';
  return `${host}-${randomBytes(3).toString('hex')}`;
}

/** Optional list variables; other lists and all numbers are recognised by their defaults. */
const OPTIONAL_LISTS = new Set(['NATS_URL']);

function parseValue(defaults: AppConfig, name: string, raw: string): unknown {
  const fallback: unknown = defaults[name as keyof AppConfig];
  if (typeof fallback === 'number') return /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (Array.isArray(fallback) || OPTIONAL_LISTS.has(name)) {
    return raw
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0);
  }
  return raw;
}

function firstMessage(error: ValidationError): string {
  const constraints = Object.values(error.constraints ?? {});
  return constraints[0] ?? 'is invalid';
}

/** Reads and validates the environment; throws ConfigError with a one-line message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const config = new AppConfig();
  const known = Object.keys(config) as (keyof AppConfig)[];
  const raw: Record<string, unknown> = {};
  for (const name of known) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[name] = parseValue(config, name, value);
  }
  Object.assign(config, raw);
  const errors = validateSync(config, { forbidUnknownValues: false });
  if (errors.length > 0) {
    const error = errors[0];
    const shown = env[error.property] ?? '';
    const value = /TOKEN|SECRET|PASSWORD/.test(error.property) ? '(hidden)' : JSON.stringify(shown);
    throw new ConfigError(`invalid ${error.property}=${value}: ${firstMessage(error)}`);
  }
  return config;
}
