import cronstrue from 'cronstrue';

const EVERY = /^@every\s+((?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+)$/i;
const UNITS: Record<string, string> = {
  ms: 'millisecond',
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
};

/**
 * A cron expression in English ("Every 5 minutes"), or undefined when it cannot be described.
 * `gorhill` jobs (saved through the original /job/save) read 6 fields as 5 plus a trailing year.
 */
export function describeCron(
  expr: string,
  dialect: 'standard' | 'gorhill' = 'standard',
): string | undefined {
  const text = expr.trim();
  const every = EVERY.exec(text);
  if (every) {
    const parts = [...every[1].matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/gi)].map(([, n, unit]) => {
      const name = UNITS[unit.toLowerCase()];
      return `${n} ${name}${n === '1' ? '' : 's'}`;
    });
    return `Every ${parts.join(' ')}`;
  }
  let fields = text;
  if (dialect === 'gorhill' && text.split(/\s+/).length === 6) fields = `0 ${text}`;
  try {
    return cronstrue.toString(fields, {
      use24HourTimeFormat: true,
      throwExceptionOnParseError: true,
      verbose: false,
    });
  } catch {
    return undefined;
  }
}
