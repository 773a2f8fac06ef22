/** The API calls behind the read verbs: pages followed to the end (or to a limit). */
import type { ApiClient, QueryValue } from './api-client';
import type { AlertItem, JobDetail, JobItem, Page, RunItem, WorkerItem } from './types';

const PAGE = 500;

/** A paged list, one page at a time (up to `max` items in all). */
export async function* pages<T>(
  client: ApiClient,
  path: string,
  query: Record<string, QueryValue>,
  max = Infinity,
): AsyncGenerator<T[]> {
  let cursor: string | undefined;
  let count = 0;
  do {
    const limit = Math.min(PAGE, max - count);
    const { body } = await client.request<Page<T>>('GET', path, {
      query: { ...query, limit, cursor },
    });
    count += body.items.length;
    yield body.items;
    cursor = body.nextCursor ?? undefined;
  } while (cursor && count < max);
}

export async function collect<T>(
  client: ApiClient,
  path: string,
  query: Record<string, QueryValue>,
  max = Infinity,
): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages<T>(client, path, query, max)) items.push(...page);
  return items;
}

export function jobPath(name: string, suffix = ''): string {
  return `/api/v1/jobs/${encodeURIComponent(name)}${suffix}`;
}

export interface JobListQuery {
  prefix?: string;
  /** The jobs' own labels. */
  selector?: string[];
  /** Their target (worker) labels. */
  label?: string[];
}

export function listJobs(client: ApiClient, query: JobListQuery = {}): Promise<JobItem[]> {
  return collect<JobItem>(client, '/api/v1/jobs', { ...query });
}

/** The jobs page by page, for printing as they come. */
export function jobPages(client: ApiClient, query: JobListQuery = {}): AsyncGenerator<JobItem[]> {
  return pages<JobItem>(client, '/api/v1/jobs', { ...query });
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
