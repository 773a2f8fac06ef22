/**
 * Printing: tables (kubectl style, sized to the terminal), JSON and YAML. Pure: every function
 * returns text; the commands write it.
 */
import { stringify } from 'yaml';
import { CliError } from './cli-error';

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function parseOutputFormat(value: string): OutputFormat {
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new CliError(`-o: expected one of ${OUTPUT_FORMATS.join(', ')}, got "${value}"`);
}

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Shown only with `-o wide`. */
  wide?: boolean;
  /** May be cut to fit the terminal (free text: commands, descriptions, errors). */
  shrink?: boolean;
  /** Colour for a cell, applied after padding (so widths are measured on the plain text). */
  paint?: (text: string, row: T) => string;
}

export interface TableOptions {
  wide?: boolean;
  /** Terminal width: shrinkable columns are cut so each line fits. Undefined: never cut. */
  width?: number;
  color?: boolean;
}

const GAP = '   ';
const MIN_SHRUNK = 8;

export function truncate(text: string, width: number): string {
  if (text.length <= width) return text;
  if (width <= 1) return text.slice(0, width);
  return `${text.slice(0, width - 1)}…`;
}

/** One line per cell: newlines and tabs in values would break the columns. */
function cell(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ');
}

/** Widths that fit `width`, cutting the widest shrinkable column first, never below 8. */
export function fitWidths(
  natural: number[],
  shrinkable: boolean[],
  width: number | undefined,
): number[] {
  const widths = [...natural];
  if (width === undefined) return widths;
  const total = (): number => widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1);
  while (total() > width) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (shrinkable[i] && w > MIN_SHRUNK && (widest < 0 || w > widths[widest])) widest = i;
    });
    if (widest < 0) break;
    widths[widest] = Math.max(MIN_SHRUNK, widths[widest] - (total() - width));
  }
  return widths;
}

export function renderTable<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  opts: TableOptions = {},
): string {
  const shown = columns.filter((c) => opts.wide || !c.wide);
  const cells = rows.map((row) => shown.map((c) => cell(c.value(row))));
  const natural = shown.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i].length)));
  const widths = fitWidths(
    natural,
    shown.map((c) => Boolean(c.shrink)),
    opts.width,
  );
  const line = (values: string[], row?: T): string =>
    values
      .map((value, i) => {
        const text = truncate(value, widths[i]);
        const padded = i === values.length - 1 ? text : text.padEnd(widths[i]);
        const paint = shown[i].paint;
        return row !== undefined && opts.color && paint
          ? padded.replace(text, paint(text, row))
          : padded;
      })
      .join(GAP)
      .trimEnd();
  const header = line(shown.map((c) => c.header));
  return [header, ...cells.map((values, r) => line(values, rows[r]))].join('\n') + '\n';
}

export function renderData(data: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(data, null, 2)}\n` : stringify(data);
}

/** table/wide go through the columns; json/yaml print the data as the API gave it. */
export function render<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  format: OutputFormat,
  opts: Omit<TableOptions, 'wide'> = {},
  data: unknown = rows,
): string {
  if (format === 'json' || format === 'yaml') return renderData(data, format);
  if (rows.length === 0) return '';
  return renderTable(rows, columns, { ...opts, wide: format === 'wide' });
}

const ANSI = { red: 31, green: 32, yellow: 33, blue: 34, gray: 90, bold: 1 } as const;
export type Colour = keyof typeof ANSI;

export function paint(text: string, colour: Colour): string {
  return `\u001b[${ANSI[colour]}m${text}\u001b[0m`;
}

export function statusColour(status: string | undefined): Colour | undefined {
  switch (status) {
    case 'succeeded':
    case 'delivered':
      return 'green';
    case 'failed':
    case 'timeout':
    case 'lost':
    case 'dead':
    case 'killed':
      return 'red';
    case 'running':
    case 'pending':
    case 'missed':
      return 'yellow';
    default:
      return undefined;
  }
}

export function paintStatus(text: string, status: string | undefined): string {
  const colour = statusColour(status);
  return colour ? paint(text, colour) : text;
}

/** "in 4m", "3h ago", "just now": for tables and describe. */
export function relativeTime(iso: string | undefined, now: number): string {
  if (!iso) return '';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const diff = at - now;
  const abs = Math.abs(diff);
  if (abs < 1000) return 'now';
  const text = shortDuration(abs);
  return diff > 0 ? `in ${text}` : `${text} ago`;
}

export function shortDuration(ms: number | undefined): string {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** "in 4 minutes", "2 hours ago": for sentences. */
export function relativeWords(iso: string, now: number): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const diff = at - now;
  const abs = Math.abs(diff);
  const units: Array<[number, string]> = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  if (abs < 1000) return 'now';
  const [size, unit] = units.find(([u]) => abs >= u) ?? units[units.length - 1];
  const n = Math.round(abs / size);
  const text = `${n} ${unit}${n === 1 ? '' : 's'}`;
  return diff > 0 ? `in ${text}` : `${text} ago`;
}

export function labelsText(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
}
