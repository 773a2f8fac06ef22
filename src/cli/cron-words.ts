/**
 * A cron expression in English, for `cronplane cron` and `describe job`. Wording only: whether
 * the expression is valid, and when it fires, is the API's answer (`/api/v1/cron/preview`).
 * Covers 5 fields, 6 with leading seconds, names, lists, ranges, steps, `H` and the macros.
 */
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = [
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'oct',
  'nov',
  'dec',
];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const MACROS: Record<string, string> = {
  '@yearly': 'At 00:00 on January 1st, every year',
  '@annually': 'At 00:00 on January 1st, every year',
  '@monthly': 'At 00:00 on day 1 of every month',
  '@weekly': 'At 00:00 every Sunday',
  '@daily': 'At 00:00 every day',
  '@midnight': 'At 00:00 every day',
  '@hourly': 'At minute 0 of every hour',
};

interface Unit {
  singular: string;
  name?: (n: number) => string;
}

const UNITS = {
  second: { singular: 'second' },
  minute: { singular: 'minute' },
  hour: { singular: 'hour' },
  dom: { singular: 'day' },
  month: { singular: 'month', name: (n: number) => MONTHS[n - 1] ?? String(n) },
  dow: { singular: 'weekday', name: (n: number) => DAYS[n % 7] ?? String(n) },
} satisfies Record<string, Unit>;

function resolveName(token: string, names: readonly string[], base: number): string {
  const at = names.indexOf(token.toLowerCase());
  return at >= 0 ? String(at + base) : token;
}

function value(token: string, unit: Unit): string {
  if (/^H(\(.*\))?$/.test(token)) return `a hashed ${unit.singular}`;
  const n = Number(token);
  return unit.name && Number.isInteger(n) ? unit.name(n) : token;
}

function joinAnd(items: string[]): string {
  return items.length <= 1
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** One comma-separated part: `5`, `1-5`, `*\/10`, `10-40/5`, `H`, `H(0-29)/10`. */
function part(token: string, unit: Unit): string {
  const [range, step] = token.split('/');
  const plural = `${unit.singular}s`;
  if (step !== undefined) {
    const every = `every ${step} ${plural}`;
    if (range === '*' || range === 'H') return range === 'H' ? `${every} (hashed offset)` : every;
    const [from, to] = range.replace(/^H\((.*)\)$/, '$1').split('-');
    return to !== undefined
      ? `${every} from ${value(from, unit)} through ${value(to, unit)}`
      : `${every} from ${value(from, unit)}`;
  }
  const [from, to] = token.split('-');
  if (to !== undefined && !token.startsWith('H'))
    return `${value(from, unit)} through ${value(to, unit)}`;
  return value(token, unit);
}

function field(token: string, unit: Unit): string | undefined {
  if (token === '*' || token === '?') return undefined;
  return joinAnd(token.split(',').map((t) => part(t, unit)));
}

const single = (token: string | undefined): boolean => token !== undefined && /^\d+$/.test(token);
const pad = (token: string): string => token.padStart(2, '0');

function timePhrase(sec: string | undefined, min: string, hour: string): string {
  if (single(min) && single(hour) && (sec === undefined || single(sec))) {
    return `At ${pad(hour)}:${pad(min)}${sec !== undefined && sec !== '0' ? `:${pad(sec)}` : ''}`;
  }
  const parts: string[] = [];
  const s = sec === undefined ? undefined : field(sec, UNITS.second);
  if (sec !== undefined)
    parts.push(s === undefined ? 'every second' : single(sec) ? `at second ${s}` : s);
  const m = field(min, UNITS.minute);
  if (m === undefined) parts.push(sec === undefined || single(sec) ? 'every minute' : '');
  else parts.push(single(min) || min.includes(',') ? `at minute ${m}` : m);
  const h = field(hour, UNITS.hour);
  const fixedMinute = single(min) || min.includes(',');
  parts.push(h === undefined ? (fixedMinute ? 'of every hour' : '') : `past hour ${h}`);
  const text = parts.filter(Boolean).join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function describeCron(expr: string): string {
  const trimmed = expr.trim().replace(/\s+/g, ' ');
  const macro = MACROS[trimmed.toLowerCase()];
  if (macro) return macro;
  const every = /^@every\s+(\S+)$/i.exec(trimmed);
  if (every) return `Every ${every[1]}`;
  const fields = trimmed.split(' ');
  if (fields.length !== 5 && fields.length !== 6) return trimmed;
  const sec = fields.length === 6 ? fields[0] : undefined;
  const [min, hour, dom, month, dow] = fields.slice(fields.length - 5) as [
    string,
    string,
    string,
    string,
    string,
  ];
  const months = month.replace(/[a-z]{3}/gi, (t) => resolveName(t, MONTH_NAMES, 1));
  const weekdays = dow.replace(/[a-z]{3}/gi, (t) => resolveName(t, DAY_NAMES, 0));
  const phrases = [timePhrase(sec, min, hour)];
  const d = field(dom, UNITS.dom);
  const w = field(weekdays, UNITS.dow);
  if (d && w) phrases.push(`on day ${d} of the month or on ${w}`);
  else if (d) phrases.push(`on day ${d} of the month`);
  else if (w) phrases.push(`on ${w}`);
  const mo = field(months, UNITS.month);
  if (mo) phrases.push(`in ${mo}`);
  else if (!d && !w && single(min) && single(hour)) phrases.push('every day');
  return phrases.join(', ');
}
