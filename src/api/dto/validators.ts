import { ValidateBy, ValidationOptions } from 'class-validator';
import { isValidTimezone } from '../../cron/schedule';
import { isValidJobName } from '../../jobs/job.model';
import { RUN_AS_RULE, isValidRunAs } from '../../jobs/run-as';

export const JOB_NAME_RULE =
  'must be 1-128 characters of [A-Za-z0-9._-], start with a letter or digit, and not contain ".."';

/** Job names become etcd key segments: no `/`, `..`, spaces, control characters or unicode. */
export function IsJobName(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isJobName',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isValidJobName(value),
        defaultMessage: () => JOB_NAME_RULE,
      },
    },
    options,
  );
}

/** A job's `runAs`: user or user:group, portable names or numeric ids. */
export function IsRunAs(): PropertyDecorator {
  return ValidateBy({
    name: 'isRunAs',
    validator: { validate: isValidRunAs, defaultMessage: () => RUN_AS_RULE },
  });
}

/** A string of `min` to `max` UTF-8 bytes (a command's limit is in bytes, not characters). */
export function IsByteString(min: number, max: number): PropertyDecorator {
  return ValidateBy({
    name: 'isByteString',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string') return false;
        const bytes = Buffer.byteLength(value, 'utf8');
        return bytes >= min && bytes <= max;
      },
      defaultMessage: () => `must be a string of ${min} to ${max} bytes`,
    },
  });
}

export function IsTimezone(): PropertyDecorator {
  return ValidateBy({
    name: 'isTimezone',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && value.length <= 64 && isValidTimezone(value),
      defaultMessage: () => 'must be a known IANA time zone such as UTC or Europe/Berlin',
    },
  });
}

/** A JSON object of string values whose keys match `keyPattern`, at most `maxEntries` of them. */
export function IsStringMap(
  keyPattern: RegExp,
  maxEntries: number,
  maxValueLength: number,
): PropertyDecorator {
  return ValidateBy({
    name: 'isStringMap',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
        const entries = Object.entries(value as Record<string, unknown>);
        return (
          entries.length <= maxEntries &&
          entries.every(
            ([k, v]) => keyPattern.test(k) && typeof v === 'string' && v.length <= maxValueLength,
          )
        );
      },
      defaultMessage: () =>
        `must be an object of at most ${maxEntries} string values (at most ${maxValueLength} characters each) with keys matching ${keyPattern.source}`,
    },
  });
}

/**
 * A job's `env`: keys matching `keyPattern`, values strings of at most `maxValueLength` or
 * `{"secretRef": "<secret name>"}`.
 */
export function IsEnvMap(
  keyPattern: RegExp,
  maxEntries: number,
  maxValueLength: number,
): PropertyDecorator {
  const valid = (v: unknown): boolean =>
    typeof v === 'string'
      ? v.length <= maxValueLength
      : typeof v === 'object' &&
        v !== null &&
        !Array.isArray(v) &&
        Object.keys(v).length === 1 &&
        typeof (v as { secretRef?: unknown }).secretRef === 'string' &&
        isValidJobName((v as { secretRef: string }).secretRef);
  return ValidateBy({
    name: 'isEnvMap',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
        const entries = Object.entries(value as Record<string, unknown>);
        return (
          entries.length <= maxEntries && entries.every(([k, v]) => keyPattern.test(k) && valid(v))
        );
      },
      defaultMessage: () =>
        `must be an object of at most ${maxEntries} entries with keys matching ${keyPattern.source}, and string values (at most ${maxValueLength} characters) or {"secretRef": "<secret name>"}`,
    },
  });
}

/** An integer from `min` to `max`. */
export function IsIntIn(min: number, max: number): PropertyDecorator {
  return ValidateBy({
    name: 'isIntIn',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
      defaultMessage: () => `must be an integer from ${min} to ${max}`,
    },
  });
}

/** A number (not necessarily whole) from `min` to `max`. */
export function IsNumberIn(min: number, max: number): PropertyDecorator {
  return ValidateBy({
    name: 'isNumberIn',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max,
      defaultMessage: () => `must be a number from ${min} to ${max}`,
    },
  });
}
