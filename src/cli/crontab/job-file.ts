/**
 * The job file of an import: one YAML document per job (the fields of POST /api/v1/jobs, what
 * `cronplane apply -f` reads), each under a comment naming the crontab line it came from; or
 * the same documents as a JSON array. Pure.
 */
import { Document } from 'yaml';
import { ImportedJob } from './to-jobs';

export const JOB_FILE_FORMATS = ['yaml', 'json'] as const;
export type JobFileFormat = (typeof JOB_FILE_FORMATS)[number];

export function renderJobFile(jobs: readonly ImportedJob[], format: JobFileFormat): string {
  if (format === 'json')
    return `${JSON.stringify(
      jobs.map((imported) => imported.job),
      null,
      2,
    )}\n`;
  return jobs
    .map((imported) => {
      const doc = new Document(imported.job);
      // One comment line per source line: a crontab line never holds a newline, but be sure.
      const source = `${imported.file}:${imported.line}: ${imported.text}`.replace(/\n/g, ' ');
      doc.commentBefore = ` ${source}`;
      return doc.toString({ lineWidth: 0 });
    })
    .join('---\n');
}
