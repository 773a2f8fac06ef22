/** The API calls behind the read verbs: pages followed to the end (or to a limit). */
import type { ApiClient, QueryValue } from './api-client';
import type { AlertItem, JobDetail, JobItem, Page, RunItem, WorkerItem } from './types';

const PAGE = 500;

export async function collect<T>(
  client: ApiClient,
  path: string,
  query: Record<string, QueryValue>,
  max = Infinity,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const limit = Math.min(PAGE, max - items.length);
    const { body } = await client.request<Page<T>>('GET', path, {
      query: { ...query, limit, cursor },
    });
    items.push(...body.items);
    cursor = body.nextCursor ?? undefined;
  } while (cursor && items.length < max);
  return items;
}

export function jobPath(name: string, suffix = ''): string {
  return `/api/v1/jobs/${encodeURIComponent(name)}${suffix}`;
}

/** `selector`: the jobs' own labels; `label`: their target (worker) labels. */
export function listJobs(
  client: ApiClient,
  query: { prefix?: string; selector?: string[]; label?: string[] } = {},
): Promise<JobItem[]> {
  return collect<JobItem>(client, '/api/v1/jobs', {
    prefix: query.prefix,
    selector: query.selector,
    label: query.label,
  });
}

export async function getJob(client: ApiClient, name: string): Promise<JobDetail> {
  return (await client.request<JobDetail>('GET', jobPath(name))).body;
}

export function listRunsOf(
  client: ApiClient,
  job: string,
  opts: { limit: number; status?: string[] },
): Promise<RunItem[]> {
  return collect<RunItem>(client, jobPath(job, '/runs'), { status: opts.status }, opts.limit);
}

/** The newest runs across jobs: each job's newest `limit`, merged newest first. */
export async function listRecentRuns(
  client: ApiClient,
  jobs: readonly string[],
  opts: { limit: number; status?: string[] },
): Promise<RunItem[]> {
  const all: RunItem[] = [];
  const queue = [...jobs];
  const workers = Array.from({ length: Math.min(8, queue.length) }, async () => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
      all.push(...(await listRunsOf(client, job, opts)));
    }
  });
  await Promise.all(workers);
  return all
    .sort((a, b) => Date.parse(b.tick) - Date.parse(a.tick) || b.runId.localeCompare(a.runId))
    .slice(0, opts.limit);
}

export async function getRun(client: ApiClient, runId: string): Promise<RunItem> {
  return (await client.request<RunItem>('GET', `/api/v1/runs/${encodeURIComponent(runId)}`)).body;
}

export async function listWorkers(client: ApiClient): Promise<WorkerItem[]> {
  return (await client.request<WorkerItem[]>('GET', '/api/v1/workers')).body;
}

export function listAlerts(
  client: ApiClient,
  opts: { job?: string; state?: string; limit: number },
): Promise<AlertItem[]> {
  return collect<AlertItem>(
    client,
    '/api/v1/alerts',
    { job: opts.job, state: opts.state },
    opts.limit,
  );
}
