import { parseExpectStatus, EXPECT_STATUS_RULE } from '../executor/http/expect-status';
import { FieldProblem } from './domain-error';
import {
  HEADER_NAME,
  HTTP_LIMITS,
  HTTP_METHODS,
  HttpExecutorSpec,
  RESERVED_HEADERS,
} from './http-job';
import { JobSpec, isSecretRef, isValidJobName } from './job.model';

const F = 'executor';

/** An http(s) URL without credentials (those belong in headers, as secrets); else the reason. */
export function urlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.length === 0 || url.length > HTTP_LIMITS.urlLength) {
    return `must be an http(s) URL of at most ${HTTP_LIMITS.urlLength} characters`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute http(s) URL such as https://example.com/hook';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must use http or https';
  if (parsed.username !== '' || parsed.password !== '') {
    return 'must not carry credentials: put them in a header with a secretRef';
  }
  return undefined;
}

/** What is wrong with an HTTP job's headers, or undefined. */
export function headersProblem(headers: unknown): string | undefined {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    return 'must be an object of header names to values or {"secretRef": "<name>"}';
  }
  const entries = Object.entries(headers as Record<string, unknown>);
  if (entries.length > HTTP_LIMITS.headers)
    return `must have at most ${HTTP_LIMITS.headers} entries`;
  for (const [name, value] of entries) {
    if (!HEADER_NAME.test(name)) return `"${name}" is not a valid header name`;
    if (RESERVED_HEADERS.has(name.toLowerCase())) return `"${name}" is set by the worker`;
    const ok =
      typeof value === 'string'
        ? value.length <= HTTP_LIMITS.headerValueLength && !/[\r\n\0]/.test(value)
        : typeof value === 'object' &&
          value !== null &&
          Object.keys(value).length === 1 &&
          isSecretRef(value as { secretRef: string }) &&
          isValidJobName((value as { secretRef: string }).secretRef);
    if (!ok) {
      return `"${name}" must be a string of at most ${HTTP_LIMITS.headerValueLength} characters without line breaks, or {"secretRef": "<secret name>"}`;
    }
  }
  return undefined;
}

function intIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** The rules of an HTTP job (its executor, and the shell fields it must not have). */
export function httpJobProblems(spec: JobSpec): FieldProblem[] {
  const executor = spec.executor as HttpExecutorSpec;
  const problems: FieldProblem[] = [];
  const add = (field: string, reason: string): number => problems.push({ field, reason });
  if (spec.command !== '') add('command', 'must be absent for an http executor');
  if (spec.shell !== undefined) add('shell', 'must be absent for an http executor');
  if (spec.stdin !== undefined) add('stdin', 'must be absent for an http executor');
  if (spec.runAs !== undefined) add('runAs', 'must be absent for an http executor');
  if (Object.keys(spec.env ?? {}).length > 0) {
    add('env', 'must be empty for an http executor (use executor.headers)');
  }
  if (!(HTTP_METHODS as readonly string[]).includes(executor.method)) {
    add(`${F}.method`, `must be one of ${HTTP_METHODS.join(', ')}`);
  }
  const url = urlProblem(executor.url);
  if (url) add(`${F}.url`, url);
  if (executor.headers !== undefined) {
    const headers = headersProblem(executor.headers);
    if (headers) add(`${F}.headers`, headers);
  }
  if (
    executor.body !== undefined &&
    (typeof executor.body !== 'string' ||
      Buffer.byteLength(executor.body, 'utf8') > HTTP_LIMITS.bodyBytes)
  ) {
    add(`${F}.body`, `must be a string of at most ${HTTP_LIMITS.bodyBytes} bytes`);
  }
  if (executor.expectStatus !== undefined) {
    const list = executor.expectStatus as unknown;
    if (
      !Array.isArray(list) ||
      list.length > HTTP_LIMITS.expectStatusEntries ||
      parseExpectStatus(list as string[]) === undefined
    ) {
      add(`${F}.expectStatus`, EXPECT_STATUS_RULE);
    }
  }
  if (
    executor.followRedirects !== undefined &&
    !intIn(executor.followRedirects, 0, HTTP_LIMITS.followRedirects)
  ) {
    add(`${F}.followRedirects`, `must be an integer from 0 to ${HTTP_LIMITS.followRedirects}`);
  }
  if (
    executor.maxResponseBytes !== undefined &&
    !intIn(executor.maxResponseBytes, 0, HTTP_LIMITS.maxResponseBytes)
  ) {
    add(`${F}.maxResponseBytes`, `must be an integer from 0 to ${HTTP_LIMITS.maxResponseBytes}`);
  }
  return problems;
}
