/**
 * An incremental Server-Sent Events parser (the WHATWG event-stream format): feed it text as it
 * arrives, get whole events back. Comments (`: keep-alive`) are dropped; `data` lines join with
 * newlines; an event is dispatched at a blank line.
 */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | undefined;
  /** The last id seen, for Last-Event-ID on reconnect. */
  lastEventId: string | undefined;

  feed(text: string): SseEvent[] {
    this.buffer += text;
    const out: SseEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event) out.push(event);
    }
    return out;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = '';
        return undefined;
      }
      const event: SseEvent = {
        event: this.event || 'message',
        data: this.data.join('\n'),
        ...(this.id !== undefined ? { id: this.id } : {}),
      };
      this.event = '';
      this.data = [];
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'event') this.event = value;
    else if (name === 'data') this.data.push(value);
    else if (name === 'id' && !value.includes('\0')) {
      this.id = value;
      this.lastEventId = value;
    }
    return undefined;
  }
}

export interface RunEnd {
  runId?: string;
  status: string;
  exitCode?: number | null;
  error?: string;
}

/** The CLI's exit code for a finished run: its own code, else 0 for success and 1 otherwise. */
export function exitCodeOf(end: RunEnd): number {
  if (typeof end.exitCode === 'number' && end.exitCode >= 0 && end.exitCode <= 255) {
    if (end.exitCode !== 0 || end.status === 'succeeded') return end.exitCode;
  }
  return end.status === 'succeeded' ? 0 : 1;
}

/** One line about a run that did not succeed, for stderr. */
export function endSummary(end: RunEnd): string {
  const parts = [`run ${end.runId ?? ''} ended ${end.status}`.replace('  ', ' ')];
  if (typeof end.exitCode === 'number') parts.push(`exit code ${end.exitCode}`);
  // The API's error often says the exit code again.
  if (end.error && end.error !== `exit code ${end.exitCode}`) parts.push(end.error);
  return parts.join(': ');
}
