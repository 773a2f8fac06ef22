import { HttpRequestPlan } from '../executor/executor';
import { HTTP_DEFAULTS, HttpExecutorSpec, RUN_HEADERS } from '../jobs/http-job';
import { RunIdentity } from './run-env';

/**
 * What an HTTP run sends: the job's request with its headers resolved (secrets included), and
 * the headers naming the run, which the job cannot override (like CRON_* variables).
 */
export function httpPlan(
  executor: HttpExecutorSpec,
  run: RunIdentity,
  headers: Record<string, string>,
): HttpRequestPlan {
  return {
    method: executor.method,
    url: executor.url,
    headers: {
      'user-agent': 'cronplane',
      ...headers,
      [RUN_HEADERS.job]: run.job,
      [RUN_HEADERS.runId]: run.runId,
      [RUN_HEADERS.tick]: String(run.tick),
      [RUN_HEADERS.attempt]: String(run.attempt),
    },
    ...(executor.body !== undefined ? { body: executor.body } : {}),
    expectStatus: executor.expectStatus ?? [...HTTP_DEFAULTS.expectStatus],
    followRedirects: executor.followRedirects ?? HTTP_DEFAULTS.followRedirects,
    maxResponseBytes: executor.maxResponseBytes ?? HTTP_DEFAULTS.maxResponseBytes,
  };
}
