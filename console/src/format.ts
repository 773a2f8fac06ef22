/** Times, durations and labels as the console shows them. */

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

/** An ISO time in the browser's zone, e.g. "2026-11-24 09:00:00". */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/**
 * An ISO time with an offset (as the API gives fire times in the job's zone) shown as the wall
 * clock of that zone: "2026-11-24 09:00:00 +01:00".
 */
export function formatZoned(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  if (!match) return iso;
  return `${match[1]} ${match[2]} ${match[3] === 'Z' ? 'UTC' : match[3]}`;
}

export function relativeTime(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '';
  const diff = new Date(iso).getTime() - now;
  if (Number.isNaN(diff)) return '';
  const abs = Math.abs(diff);
  const unit =
    abs < 60_000
      ? `${Math.round(abs / 1000)} s`
      : abs < 3_600_000
        ? `${Math.round(abs / 60_000)} min`
        : abs < 86_400_000
          ? `${Math.round(abs / 3_600_000)} h`
          : `${Math.round(abs / 86_400_000)} d`;
  return diff >= 0 ? `in ${unit}` : `${unit} ago`;
}

export function formatLabels(labels: Record<string, string> | undefined): string[] {
  return Object.entries(labels ?? {}).map(([key, value]) => `${key}=${value}`);
}

/**
 * "k=v, k2=v2" or one per line (only lines when `commas` is false, for values that hold commas),
 * as a map; throws with a readable reason on a bad entry.
 */
export function parseMap(text: string, commas = true): Record<string, string> {
  const separator = '=';
  const map: Record<string, string> = {};
  for (const raw of text.split(commas ? /[\n,]/ : /\n/)) {
    const entry = raw.trim();
    if (!entry) continue;
    const at = entry.indexOf(separator);
    if (at <= 0) throw new Error(`"${entry}" is not key${separator}value`);
    map[entry.slice(0, at).trim()] = entry.slice(at + 1).trim();
  }
  return map;
}

export function mapToText(map: Record<string, string> | undefined, lineBreaks = false): string {
  return formatLabels(map).join(lineBreaks ? '\n' : ', ');
}

/** In the editor, a variable from a secret reads `KEY=secretRef:<name>`. */
const SECRET_REF = /^secretRef:([A-Za-z0-9][A-Za-z0-9._-]{0,127})$/;

export type EnvValue = string | { secretRef: string };

export function envToText(env: Record<string, EnvValue> | undefined): string {
  return Object.entries(env ?? {})
    .map(([key, value]) =>
      typeof value === 'string' ? `${key}=${value}` : `${key}=secretRef:${value.secretRef}`,
    )
    .join('\n');
}

export function parseEnv(text: string): Record<string, EnvValue> {
  const env: Record<string, EnvValue> = {};
  for (const [key, value] of Object.entries(parseMap(text, false))) {
    const ref = SECRET_REF.exec(value);
    env[key] = ref ? { secretRef: ref[1] } : value;
  }
  return env;
}
