/** `cronplane describe job NAME`: the job, its next fire times in words, last runs, owner. */
import type { Command } from 'commander';
import { labelsMatch } from '../../scheduler/ownership';
import { jobOwner } from '../../scheduler/partitions';
import { jobId } from '../../etcd/etcd-keys';
import { DEFAULT_NAMESPACE } from '../../namespaces/namespace';
import type { CliContext } from '../command-context';
import { jobAction } from '../types';
import { CliError } from '../cli-error';
import { runColumns } from '../columns';
import { describeCron } from '../cron-words';
import { labelsText, relativeWords, renderData, renderTable } from '../output';
import { getJob, listRunsOf, listWorkers } from '../resources';
import type { JobDetail, RunItem, WorkerItem } from '../types';
import { outputOption } from './get';

export interface Description {
  job: JobDetail;
  runs: RunItem[];
  workers: WorkerItem[];
}

/**
 * The workers that schedule the job: its rendezvous owner (mode one: its partition's owner, or
 * its own for a job with target labels) or every match (all).
 */
export function ownersOf(job: JobDetail, workers: readonly WorkerItem[]): WorkerItem[] {
  const labels = job.target?.labels ?? {};
  if (job.target?.mode === 'all') return workers.filter((w) => labelsMatch(labels, w.labels ?? {}));
  const id = jobOwner(
    jobId(job.namespace ?? DEFAULT_NAMESPACE, job.name),
    { labels },
    workers.map((w) => ({ id: w.id, labels: w.labels ?? {} })),
  );
  return workers.filter((w) => w.id === id);
}

/** `extract (on succeeded), load (on failed, missing)`; `<none>` without any. */
export function dependencyText(
  links: { job: string; on: string; exists?: boolean }[] = [],
): string {
  if (links.length === 0) return '<none>';
  return links
    .map((l) => `${l.job} (on ${l.on}${l.exists === false ? ', missing' : ''})`)
    .join(', ');
}

export function formatDescription(d: Description, now: number, width?: number): string {
  const { job } = d;
  const rows: Array<[string, string]> = [
    ['Name', job.name],
    [
      'Schedule',
      job.cronExpr === '' && (job.upstream?.length ?? 0) > 0
        ? '<none: runs after its upstream jobs, or by hand>'
        : `${job.cronExpr}  (${describeCron(job.cronExpr)})`,
    ],
    ['Timezone', job.timezone],
    ['Enabled', job.enabled ? 'yes' : 'no (paused)'],
    ...(job.executor?.type === 'http'
      ? ([
          ['Type', 'http'],
          ['Request', jobAction(job)],
          ['Expects', (job.executor.expectStatus ?? ['2xx']).join(', ')],
        ] as Array<[string, string]>)
      : ([['Command', job.command]] as Array<[string, string]>)),
    ['Run as', job.runAs ?? "<the worker's user>"],
    ['Description', job.description || '<none>'],
    ['Labels', labelsText(job.labels)],
    ['Target', `${labelsText(job.target?.labels)} (mode ${job.target?.mode ?? 'one'})`],
    ['Managed by', job.managedBy ?? '<none: edited through the API or console>'],
    ['Timeout', job.timeoutSeconds ? `${job.timeoutSeconds}s` : 'none'],
    ['Concurrency', job.concurrencyPolicy ?? ''],
    ['Misfire', job.misfirePolicy ?? ''],
    ['Revision', job.revision === undefined ? '' : String(job.revision)],
  ];
  rows.push(
    ['Upstream', dependencyText(job.upstream)],
    ['Downstream', dependencyText(job.downstream)],
  );
  const owners = ownersOf(job, d.workers);
  rows.push([
    job.target?.mode === 'all' ? 'Workers' : 'Owner worker',
    owners.length
      ? owners.map((w) => `${w.id} (${w.host})`).join(', ')
      : '<none: no live worker matches>',
  ]);
  const lines = rows.map(
    ([k, v]) => `${`${k}:`.padEnd(14)}${v.replace(/\n/g, '\n              ')}`,
  );
  lines.push('Next fire times:');
  if (job.nextFireTimes.length === 0) lines.push('  <none>');
  for (const t of job.nextFireTimes) lines.push(`  ${t}  (${relativeWords(t, now)})`);
  lines.push('Last runs:');
  if (d.runs.length === 0) lines.push('  <none>');
  else {
    const table = renderTable(d.runs, runColumns(now), {
      width: width === undefined ? undefined : width - 2,
    });
    lines.push(
      ...table
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function registerDescribe(program: Command, ctx: CliContext): void {
  program
    .command('describe')
    .description(
      'Show a job in detail: schedule in words, next fire times, last runs, owner worker',
    )
    .argument('<resource>', 'job')
    .argument('<name>', "the job's name")
    .addOption(outputOption())
    .option('--runs <n>', 'how many recent runs to show', (v) => Number(v), 5)
    .action(async (resource: string, name: string, opts: { output: string; runs: number }) => {
      if (!['job', 'jobs'].includes(resource))
        throw new CliError(`describe: unknown resource "${resource}" (expected job)`);
      const client = ctx.client();
      const job = await getJob(client, name);
      const [runs, workers] = await Promise.all([
        listRunsOf(client, name, { limit: Math.max(1, opts.runs) }),
        listWorkers(client),
      ]);
      if (opts.output === 'json' || opts.output === 'yaml') {
        const owners = ownersOf(job, workers).map((w) => w.id);
        ctx.write(renderData({ ...job, recentRuns: runs, owners }, opts.output));
        return;
      }
      ctx.write(formatDescription({ job, runs, workers }, Date.now(), ctx.columns));
    });
}
