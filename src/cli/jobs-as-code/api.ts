/** The API calls of apply and export: list every job, preview a document. */
import { ApiClient, ApiError } from '../api-client';
import type { FileProblem, JobDocument } from './documents';
import type { ApiJob } from './job-fields';
import type { DesiredJob } from './plan';

interface JobPage {
  items: ApiJob[];
  nextCursor: string | null;
}

/** Every job (page by page), optionally only those whose own labels match `selector`. */
export async function listAllJobs(client: ApiClient, selector: string[] = []): Promise<ApiJob[]> {
  const jobs: ApiJob[] = [];
  let cursor: string | undefined;
  for (;;) {
    const { body } = await client.request<JobPage>('GET', '/api/v1/jobs', {
      query: { limit: 500, cursor, selector: selector.length > 0 ? selector : undefined },
    });
    jobs.push(...body.items);
    if (body.nextCursor === null) return jobs;
    cursor = body.nextCursor;
  }
}

interface ErrorDetails {
  details?: { field?: string; reason?: string }[];
}

/**
 * Each document checked by the server (POST /jobs/validate), a few at a time: the jobs they
 * describe, and the server's reasons for the ones it refuses, by file, document and field.
 */
export async function previewDocuments(
  client: ApiClient,
  docs: JobDocument[],
): Promise<{ desired: DesiredJob[]; problems: FileProblem[] }> {
  const results: ({ preview: ApiJob } | { problems: FileProblem[] })[] = [];
  const width = 8;
  for (let i = 0; i < docs.length; i += width) {
    const batch = docs.slice(i, i + width);
    results.push(
      ...(await Promise.all(
        batch.map(async (doc) => {
          try {
            const { body } = await client.request<ApiJob>('POST', '/api/v1/jobs/validate', {
              body: doc.body,
            });
            return { preview: body };
          } catch (error) {
            if (!(error instanceof ApiError) || error.status !== 400) throw error;
            const details = (error.body as ErrorDetails | undefined)?.details ?? [];
            const at = { file: doc.file, index: doc.index };
            return {
              problems:
                details.length > 0
                  ? details.map((d) => ({ ...at, field: d.field, reason: String(d.reason) }))
                  : [{ ...at, reason: error.message }],
            };
          }
        }),
      )),
    );
  }
  const desired: DesiredJob[] = [];
  const problems: FileProblem[] = [];
  results.forEach((result, i) => {
    if ('preview' in result) desired.push({ doc: docs[i], preview: result.preview });
    else problems.push(...result.problems);
  });
  return { desired, problems };
}
