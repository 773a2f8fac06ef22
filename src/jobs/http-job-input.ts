import { HttpExecutorSpec } from './http-job';
import { ExecutorInput } from './job-input';

/**
 * The executor a job stores: a given `http` executor (method GET unless given, expectStatus as
 * strings, only the fields given), none for a given `shell`, else the stored one (a patch that
 * does not name the executor keeps it).
 */
export function executorOf(
  given: ExecutorInput | undefined,
  stored: HttpExecutorSpec | undefined,
): HttpExecutorSpec | undefined {
  if (given === undefined) return stored;
  if (given.type !== 'http') return undefined;
  const spec: HttpExecutorSpec = {
    type: 'http',
    method: given.method ?? 'GET',
    url: given.url ?? '',
  };
  if (given.headers !== undefined) spec.headers = given.headers;
  if (given.body !== undefined) spec.body = given.body;
  if (given.expectStatus !== undefined) spec.expectStatus = given.expectStatus.map(String);
  if (given.followRedirects !== undefined) spec.followRedirects = given.followRedirects;
  if (given.maxResponseBytes !== undefined) spec.maxResponseBytes = given.maxResponseBytes;
  return spec;
}
