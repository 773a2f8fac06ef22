/**
 * A job's `runAs`: `user` or `user:group`, each a name by the POSIX portable rule (letters,
 * digits, `.`, `_`, `-`, not starting with `-`, at most 32 characters) or a numeric id. A name of
 * digits only is an id. The worker resolves them (see native/spawner.c); here only the form.
 */

/** One user or group: a portable name or a decimal id. */
const NAME = '[A-Za-z0-9._][A-Za-z0-9._-]{0,31}';
export const RUN_AS_PATTERN = new RegExp(`^${NAME}(?::${NAME})?$`);

/** The largest id: 2^32 - 2 (2^32 - 1 is -1, "no id", to the kernel). */
const MAX_ID = 0xfffffffe;

export const RUN_AS_RULE =
  'must be user or user:group, each a name of [A-Za-z0-9._-] (1-32 characters, not starting with "-") or a numeric id';

export interface RunAs {
  user: string;
  group?: string;
}

function isId(part: string): boolean {
  return /^\d+$/.test(part);
}

function validPart(part: string): boolean {
  return !isId(part) || (part.length <= 10 && Number(part) <= MAX_ID);
}

/** `user[:group]` split, or undefined when `value` is not of that form. */
export function parseRunAs(value: string): RunAs | undefined {
  if (!RUN_AS_PATTERN.test(value)) return undefined;
  const [user, group] = value.split(':');
  if (!validPart(user) || (group !== undefined && !validPart(group))) return undefined;
  return group === undefined ? { user } : { user, group };
}

export function isValidRunAs(value: unknown): value is string {
  return typeof value === 'string' && parseRunAs(value) !== undefined;
}

/** The superuser, by name or id (other names of uid 0 are caught by the spawner). */
export function isRootName(part: string): boolean {
  return part === 'root' || (isId(part) && Number(part) === 0);
}
