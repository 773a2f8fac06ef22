import { STATUS_CODES } from 'node:http';

export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** `HTTP 200 OK`, then the response headers one a line, then an empty line: the run's output head. */
export function formatResponseHead(status: number, headers: ResponseHeaders): string {
  const lines = [`HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd()];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${one}`);
  }
  return `${lines.join('\n')}\n\n`;
}

/** A redirect that was followed, as one line of the output. */
export function formatRedirect(status: number, location: string): string {
  return `HTTP ${status} ${STATUS_CODES[status] ?? ''} -> ${location}\n`.replace('  ', ' ');
}

/** The line ending a body cut at `maxResponseBytes`. */
export function formatBodyCut(kept: number): string {
  return `\n[... response body cut at ${kept} bytes (maxResponseBytes) ...]\n`;
}

/** The run's error for a status outside `expectStatus`. */
export function unexpectedStatus(status: number, expected: readonly string[]): string {
  return `unexpected status ${status} (expected ${expected.join(', ')})`;
}
