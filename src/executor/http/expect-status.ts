/** Which HTTP statuses succeed: codes (`204`), classes (`2xx`) and ranges (`200-299`). */
export interface StatusRange {
  from: number;
  to: number;
}

export const EXPECT_STATUS_RULE =
  'must be a list of status codes (204), classes (2xx) or ranges (200-299) between 100 and 599';

const CODE = /^[1-5]\d\d$/;
const CLASS = /^([1-5])xx$/i;
const RANGE = /^([1-5]\d\d)-([1-5]\d\d)$/;

/** One entry as a range, or undefined when it is not one of the three forms. */
export function parseStatusEntry(entry: string | number): StatusRange | undefined {
  const text = String(entry).trim();
  if (CODE.test(text)) return { from: Number(text), to: Number(text) };
  const cls = CLASS.exec(text);
  if (cls) return { from: Number(cls[1]) * 100, to: Number(cls[1]) * 100 + 99 };
  const range = RANGE.exec(text);
  if (range && Number(range[1]) <= Number(range[2])) {
    return { from: Number(range[1]), to: Number(range[2]) };
  }
  return undefined;
}

/** The ranges of a whole list, or undefined when any entry is invalid (or the list is empty). */
export function parseExpectStatus(
  entries: readonly (string | number)[],
): StatusRange[] | undefined {
  if (entries.length === 0) return undefined;
  const ranges: StatusRange[] = [];
  for (const entry of entries) {
    const range = parseStatusEntry(entry);
    if (!range) return undefined;
    ranges.push(range);
  }
  return ranges;
}

export function statusExpected(status: number, ranges: readonly StatusRange[]): boolean {
  return ranges.some((range) => status >= range.from && status <= range.to);
}
