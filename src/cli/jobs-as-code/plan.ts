/**
 * What `apply` would do (pure): the jobs the files describe, as the server previews them, against
 * the jobs the server has. Creates and updates in file order, then deletes (with --prune) by
 * name. A job someone else manages is a problem, not a change, unless an override reason is given.
 */
import type { FileProblem, JobDocument } from './documents';
import { ApiJob, FieldChange, diffJobs, formatChange } from './job-fields';

export interface DesiredJob {
  doc: JobDocument;
  /** The job POST /jobs/validate answered for the document (defaults filled in). */
  preview: ApiJob;
}

export type PlanItem =
  | { kind: 'create'; name: string; doc: JobDocument }
  | {
      kind: 'update';
      name: string;
      doc: JobDocument;
      current: ApiJob;
      changes: FieldChange[];
    }
  | { kind: 'unchanged'; name: string; doc: JobDocument; current: ApiJob }
  | { kind: 'delete'; name: string; current: ApiJob };

export interface Plan {
  items: PlanItem[];
  problems: FileProblem[];
}

export interface PlanOptions {
  manager: string;
  prune: boolean;
  /** Take over jobs someone else manages (the reason goes to the audit log). */
  override?: string;
}

export function planApply(desired: DesiredJob[], current: ApiJob[], opts: PlanOptions): Plan {
  const byName = new Map(current.map((job) => [job.name, job]));
  const items: PlanItem[] = [];
  const problems: FileProblem[] = [];
  const wanted = new Set<string>();
  for (const { doc, preview } of desired) {
    const name = preview.name;
    wanted.add(name);
    const existing = byName.get(name);
    if (!existing) {
      items.push({ kind: 'create', name, doc });
      continue;
    }
    if (
      existing.managedBy !== undefined &&
      existing.managedBy !== opts.manager &&
      opts.override === undefined
    ) {
      problems.push({
        file: doc.file,
        index: doc.index,
        field: 'name',
        reason: `job "${name}" is managed by ${existing.managedBy}, not ${opts.manager}; change it there (or pass --override <reason>)`,
      });
      continue;
    }
    const changes = diffJobs(existing, { ...preview, managedBy: opts.manager });
    items.push(
      changes.length === 0
        ? { kind: 'unchanged', name, doc, current: existing }
        : { kind: 'update', name, doc, current: existing, changes },
    );
  }
  if (opts.prune) {
    const gone = current
      .filter((job) => job.managedBy === opts.manager && !wanted.has(job.name))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const job of gone) items.push({ kind: 'delete', name: job.name, current: job });
  }
  return { items, problems };
}

export interface PlanCounts {
  create: number;
  update: number;
  delete: number;
  unchanged: number;
}

export function countPlan(items: PlanItem[]): PlanCounts {
  const counts: PlanCounts = { create: 0, update: 0, delete: 0, unchanged: 0 };
  for (const item of items) counts[item.kind] += 1;
  return counts;
}

/** The diff `--dry-run` prints: one line per job, the changed fields of an update below it. */
export function formatPlan(items: PlanItem[]): string[] {
  const lines: string[] = [];
  for (const item of items) {
    switch (item.kind) {
      case 'create':
        lines.push(`+ create     ${item.name}  (${item.doc.file}, document ${item.doc.index})`);
        break;
      case 'update':
        lines.push(`~ update     ${item.name}  (${item.doc.file}, document ${item.doc.index})`);
        for (const change of item.changes) lines.push(`      ${formatChange(change)}`);
        break;
      case 'delete':
        lines.push(`- delete     ${item.name}  (no longer in the files)`);
        break;
      case 'unchanged':
        lines.push(`= unchanged  ${item.name}`);
        break;
    }
  }
  return lines;
}

/** `2 created, 1 updated, 0 deleted, 3 unchanged`, or `no changes: 3 unchanged`. */
export function formatSummary(counts: PlanCounts, dryRun: boolean): string {
  if (counts.create + counts.update + counts.delete === 0) {
    return `no changes: ${counts.unchanged} unchanged`;
  }
  const parts = dryRun
    ? [
        `${counts.create} to create`,
        `${counts.update} to update`,
        `${counts.delete} to delete`,
        `${counts.unchanged} unchanged`,
      ]
    : [
        `${counts.create} created`,
        `${counts.update} updated`,
        `${counts.delete} deleted`,
        `${counts.unchanged} unchanged`,
      ];
  return dryRun ? `dry run: ${parts.join(', ')}; nothing was changed` : parts.join(', ');
}
