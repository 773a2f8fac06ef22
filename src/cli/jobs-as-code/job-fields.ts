/**
 * A job's fields as files carry them (pure): which fields, in which order, and how two jobs are
 * compared. Export writes exactly `fileFields(job)`, so a file exported from a cluster, applied
 * to another and exported again gives the same bytes.
 */

/** A job as the API shows it (GET /jobs) or as POST /jobs/validate previews it. */
export interface ApiJob {
  name: string;
  revision?: number;
  managedBy?: string;
  cronDialect?: string;
  [field: string]: unknown;
}

/**
 * The fields of a job file, in the order export writes them: identity and metadata first, then
 * what runs when, then policies. Everything the API stores except the server's own fields
 * (createdAt, updatedAt, revision), the dialect (files are always the standard one) and managedBy
 * (apply sets it).
 */
export const FILE_FIELDS = [
  'name',
  'description',
  'labels',
  'command',
  'executor',
  'shell',
  'stdin',
  'runAs',
  'cronExpr',
  'after',
  'timezone',
  'enabled',
  'timeoutSeconds',
  'concurrencyPolicy',
  'misfirePolicy',
  'catchupWindowSeconds',
  'retries',
  'target',
  'env',
  'alerts',
] as const;

/** Fields written only when the job has them (absent means a default that has no value). */
const OPTIONAL_FIELDS = new Set<string>(['shell', 'stdin', 'runAs', 'executor']);

/** Key order of the nested objects, as the API's DTOs declare them. */
const NESTED_ORDER: Record<string, string[]> = {
  retries: ['max', 'backoffSeconds', 'factor'],
  target: ['labels', 'mode'],
  alerts: ['onFailure', 'onTimeout', 'webhookUrl'],
  executor: [
    'type',
    'method',
    'url',
    'headers',
    'body',
    'expectStatus',
    'followRedirects',
    'maxResponseBytes',
  ],
};

/** Maps whose keys are the user's: sorted, so the output does not depend on insertion order. */
const MAP_FIELDS = new Set<string>(['labels', 'env', 'target.labels', 'executor.headers']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sortedMap(value: unknown): Record<string, unknown> {
  if (!isObject(value)) return {};
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, value[key]]),
  );
}

function ordered(field: string, value: unknown): unknown {
  if (MAP_FIELDS.has(field)) return sortedMap(value);
  const order = NESTED_ORDER[field];
  if (!order || !isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of order) {
    if (value[key] === undefined) continue;
    out[key] = ordered(`${field}.${key}`, value[key]);
  }
  for (const key of Object.keys(value).sort()) {
    if (!(key in out) && value[key] !== undefined) out[key] = value[key];
  }
  return out;
}

/** The job as a file document: FILE_FIELDS in order, maps sorted, empty labels left out. */
export function fileFields(job: ApiJob): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of FILE_FIELDS) {
    const value = job[field];
    if (value === undefined) continue;
    if (OPTIONAL_FIELDS.has(field) && value === null) continue;
    // An HTTP job has no command (the API shows it empty).
    if (field === 'command' && isObject(job.executor)) continue;
    if (field === 'labels' && (!isObject(value) || Object.keys(value).length === 0)) continue;
    out[field] = ordered(field, value);
  }
  return out;
}

/**
 * What decides whether a job must be written: its file fields, plus the dialect and the
 * manager. Absent labels and empty labels are the same.
 */
export function comparable(job: ApiJob): Record<string, unknown> {
  return {
    ...fileFields(job),
    cronDialect: job.cronDialect ?? 'standard',
    managedBy: job.managedBy,
  };
}

export interface FieldChange {
  /** Dotted path, e.g. `retries.max` or `env.LANG`. */
  field: string;
  before: unknown;
  after: unknown;
}

/** Leaves by dotted path; an empty object has none, so it equals an absent one. */
function flatten(value: unknown, prefix: string, into: Map<string, unknown>): void {
  if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) flatten(item, `${prefix}.${key}`, into);
    return;
  }
  if (value !== undefined) into.set(prefix, value);
}

/** The leaf fields that differ between two jobs, in a stable order. */
export function diffJobs(before: ApiJob, after: ApiJob): FieldChange[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  for (const [field, value] of Object.entries(comparable(before))) flatten(value, field, a);
  for (const [field, value] of Object.entries(comparable(after))) flatten(value, field, b);
  const fields = [...new Set([...a.keys(), ...b.keys()])];
  const changes: FieldChange[] = [];
  for (const field of fields) {
    const x = a.get(field);
    const y = b.get(field);
    if (JSON.stringify(x) !== JSON.stringify(y)) changes.push({ field, before: x, after: y });
  }
  return changes;
}

/** Values of these fields may be secrets: diffs say that they changed, never what to. */
const HIDDEN_PREFIXES = ['env.', 'stdin'];

function shown(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `cronExpr: "0 1 * * *" → "0 2 * * *"`; `env.TOKEN: changed (value hidden)`. */
export function formatChange(change: FieldChange): string {
  if (HIDDEN_PREFIXES.some((prefix) => change.field.startsWith(prefix))) {
    const what =
      change.before === undefined ? 'added' : change.after === undefined ? 'removed' : 'changed';
    return `${change.field}: ${what} (value hidden)`;
  }
  return `${change.field}: ${shown(change.before)} → ${shown(change.after)}`;
}
