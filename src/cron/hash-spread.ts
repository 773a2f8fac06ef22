import { CronSyntaxError } from './schedule-error';

/** The range `H` chooses from in each field of a 6-field expression (day of month stops at 28). */
const FIELDS = [
  { name: 'seconds', min: 0, max: 59 },
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 28 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 6 },
] as const;

const H_FIELD = /^H(?:\((\d+)-(\d+)\))?(?:\/(\d+))?$/;

/** FNV-1a over `text`: small, stable across processes and versions, well spread for names. */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export interface SpreadFields {
  /** The fields with every `H` replaced by the value chosen for this job. */
  fields: string[];
  /** Milliseconds added to every tick: chosen when the seconds field uses `H`, else 0. */
  offsetMs: number;
}

/**
 * Jenkins-style `H` ("hash"): a value chosen from the job's name, so that many jobs written the
 * same way spread over the period instead of all firing at the same instant, and each job keeps
 * its own instant across restarts and workers. `H` (any value of the field), `H(a-b)` (within a
 * range), `H/n` and `H(a-b)/n` (every n from a chosen start). An `H` in the seconds field also
 * spreads the job within its second by a chosen millisecond offset. `fields` are the 5 or 6
 * fields of a standard expression (5: no seconds field).
 */
export function spreadHashFields(fields: string[], key: string): SpreadFields {
  const first = fields.length === 5 ? 1 : 0;
  const out = fields.map((field, i) => {
    const spec = FIELDS[first + i];
    return field.includes('H')
      ? expand(field, spec, stableHash(`${key}\u0000${spec.name}`))
      : field;
  });
  const secondsSpread = first === 0 && fields[0].includes('H');
  return { fields: out, offsetMs: secondsSpread ? stableHash(`${key}\u0000ms`) % 1000 : 0 };
}

function expand(
  field: string,
  spec: { name: string; min: number; max: number },
  hash: number,
): string {
  const match = H_FIELD.exec(field);
  if (!match) {
    throw new CronSyntaxError(`${spec.name}: "${field}" is not H, H(a-b), H/n or H(a-b)/n`);
  }
  const min = match[1] === undefined ? spec.min : Number(match[1]);
  const max = match[2] === undefined ? spec.max : Number(match[2]);
  if (min < spec.min || max > spec.max || min > max) {
    throw new CronSyntaxError(`${spec.name}: H range must lie within ${spec.min}-${spec.max}`);
  }
  if (match[3] === undefined) return String(min + (hash % (max - min + 1)));
  const step = Number(match[3]);
  if (step < 1 || step > max - min + 1) {
    throw new CronSyntaxError(`${spec.name}: H step must be 1 to ${max - min + 1}`);
  }
  return `${min + (hash % step)}-${max}/${step}`;
}
