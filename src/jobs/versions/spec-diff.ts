/** One field that differs between two job definitions, as a JSON pointer (RFC 6901). */
export interface FieldChange {
  path: string;
  /** `add`: absent before; `remove`: absent after; `replace`: a different value. */
  op: 'add' | 'remove' | 'replace';
  before?: unknown;
  after?: unknown;
}

/** Bookkeeping, not definition: they change on every write and never on their own. */
export const BOOKKEEPING_FIELDS: readonly string[] = ['createdAt', 'updatedAt', 'revision'];

/**
 * The field-level changes from `before` to `after` (plain JSON values), leaves only: an object
 * on one side only is one `add` or `remove`, a scalar against an object one `replace`. Arrays
 * compare by index. Top-level bookkeeping fields are ignored. Paths sort as the keys do.
 */
export function specDiff(before: unknown, after: unknown): FieldChange[] {
  const changes: FieldChange[] = [];
  walk(withoutBookkeeping(before), withoutBookkeeping(after), '', changes);
  return changes;
}

/** `segment` escaped for a JSON pointer: `~` as `~0`, `/` as `~1`. */
export function pointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function withoutBookkeeping(value: unknown): unknown {
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).filter(([key]) => !BOOKKEEPING_FIELDS.includes(key)),
  );
}

function walk(before: unknown, after: unknown, path: string, out: FieldChange[]): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined) {
    out.push({ path, op: 'add', after });
    return;
  }
  if (after === undefined) {
    out.push({ path, op: 'remove', before });
    return;
  }
  const containers =
    (isObject(before) && isObject(after)) || (Array.isArray(before) && Array.isArray(after));
  if (!containers) {
    if (!sameJson(before, after)) out.push({ path, op: 'replace', before, after });
    return;
  }
  const left = before as Record<string, unknown>;
  const right = after as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])];
  if (!Array.isArray(before)) keys.sort();
  else keys.sort((a, b) => Number(a) - Number(b));
  for (const key of keys) walk(left[key], right[key], `${path}/${pointerSegment(key)}`, out);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
