/** Year bounds of gorhill/cronexpr, whose 6- and 7-field forms end with a year field. */
export const MIN_YEAR = 1970;
export const MAX_YEAR = 2099;

/** Parses `*`, `2030`, `2030-2035`, `*\/2`, `2030-2040/5` and comma lists into a year set. */
export function parseYearField(field: string): Set<number> | undefined {
  const years = new Set<number>();
  for (const part of field.split(',')) {
    const match = /^(\*|(\d{4})(?:-(\d{4}))?)(?:\/(\d+))?$/.exec(part);
    if (!match) return undefined;
    const [, whole, from, to, step] = match;
    const start = whole === '*' ? MIN_YEAR : Number(from);
    const end = whole === '*' ? MAX_YEAR : to !== undefined ? Number(to) : step ? MAX_YEAR : start;
    const stride = step === undefined ? 1 : Number(step);
    if (start < MIN_YEAR || end > MAX_YEAR || start > end || stride < 1) return undefined;
    for (let year = start; year <= end; year += stride) years.add(year);
  }
  return years;
}
