import fc from 'fast-check';
import { CronExpressionParser } from 'cron-parser';
import { compileUtcCron, nextUtc, UtcCron } from './utc-cron';

const compile = (fields: string): UtcCron => {
  const cron = compileUtcCron(CronExpressionParser.parse(fields, { tz: 'UTC' }).fields);
  if (!cron) throw new Error(`${fields} did not compile`);
  return cron;
};
const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

/** cron-parser's next `count` ticks after `after` in UTC, undefined where it has none. */
function reference(fields: string, after: number, count: number): (string | undefined)[] {
  const expression = CronExpressionParser.parse(fields, {
    tz: 'UTC',
    currentDate: new Date(after),
  });
  return Array.from({ length: count }, () => {
    try {
      return expression.next().toISOString() ?? undefined;
    } catch {
      return undefined;
    }
  });
}

function ours(fields: string, after: number, count: number): (string | undefined)[] {
  const cron = compile(fields);
  const out: (string | undefined)[] = [];
  let cursor: number | undefined = after;
  for (let i = 0; i < count; i++) {
    cursor = cursor === undefined ? undefined : nextUtc(cron, cursor);
    out.push(iso(cursor));
  }
  return out;
}

describe('nextUtc', () => {
  it.each([
    ['* * * * * *', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z'],
    ['* * * * * *', '2026-01-01T00:00:00.500Z', '2026-01-01T00:00:01.000Z'],
    ['37 * * * * *', '2026-12-31T23:59:40.000Z', '2027-01-01T00:00:37.000Z'],
    ['0 0 0 29 2 *', '2026-03-01T00:00:00.000Z', '2028-02-29T00:00:00.000Z'],
    // Both day fields restricted: either one fires (the 13th, or any Friday).
    ['0 0 0 13 * 5', '2026-02-01T00:00:00.000Z', '2026-02-06T00:00:00.000Z'],
    // Sunday written as 7.
    ['0 0 12 * * 7', '2026-11-24T00:00:00.000Z', '2026-11-29T12:00:00.000Z'],
    ['0 30 9 * * 1-5', '2026-11-27T10:00:00.000Z', '2026-11-30T09:30:00.000Z'],
    ['0 0 0 31 * *', '2026-04-01T00:00:00.000Z', '2026-05-31T00:00:00.000Z'],
  ])('%s after %s is %s', (fields, after, expected) =>
    expect(iso(nextUtc(compile(fields), Date.parse(after)))).toBe(expected),
  );

  it('gives up past its horizon instead of walking on', () =>
    expect(
      nextUtc(compile('0 0 0 29 2 *'), Date.parse('2026-03-01T00:00:00Z'), 1),
    ).toBeUndefined());

  it('leaves L and # to cron-parser', () => {
    for (const fields of ['0 0 0 L * *', '0 0 0 * * 5L', '0 0 0 * * 5#3']) {
      expect(compileUtcCron(CronExpressionParser.parse(fields, { tz: 'UTC' }).fields)).toBe(
        undefined,
      );
    }
  });

  // The same ticks as cron-parser for any expression it accepts, from any instant.
  it('agrees with cron-parser on random expressions and instants', () => {
    const list = (min: number, max: number): fc.Arbitrary<string> =>
      fc.oneof(
        fc.constant('*'),
        fc.integer({ min, max }).map(String),
        fc
          .tuple(fc.integer({ min, max }), fc.integer({ min, max }))
          .map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
        fc.tuple(fc.integer({ min: 1, max: max - min + 1 })).map(([step]) => `*/${step}`),
        fc
          .tuple(fc.integer({ min, max }), fc.integer({ min: 1, max: 20 }))
          .map(([a, step]) => `${a}/${step}`),
        fc
          .uniqueArray(fc.integer({ min, max }), { minLength: 2, maxLength: 4 })
          .map((values) => values.join(',')),
      );
    const expression = fc
      .tuple(
        list(0, 59),
        list(0, 59),
        list(0, 23),
        fc.oneof(list(1, 31), fc.constant('?')),
        list(1, 12),
        fc.oneof(list(0, 7), fc.constant('?')),
      )
      .map((fields) => fields.join(' '));
    const instant = fc.integer({
      min: Date.parse('1970-01-01T00:00:00Z'),
      max: Date.parse('2090-01-01T00:00:00Z'),
    });
    fc.assert(
      fc.property(expression, instant, (fields, after) => {
        let parsed;
        try {
          parsed = CronExpressionParser.parse(fields, { tz: 'UTC' });
        } catch {
          return; // not an expression cron-parser accepts
        }
        if (!compileUtcCron(parsed.fields)) return;
        const expected = reference(fields, after, 4);
        const actual = ours(fields, after, 4);
        // Where cron-parser gives up (its step limit), only what it found is compared.
        const found = expected.findIndex((tick) => tick === undefined);
        const upTo = found < 0 ? expected.length : found;
        expect(actual.slice(0, upTo)).toEqual(expected.slice(0, upTo));
      }),
      { numRuns: 3000, seed: 20261124 },
    );
  });
});
