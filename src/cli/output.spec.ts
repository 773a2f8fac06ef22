import { parse } from 'yaml';
import {
  Column,
  fitWidths,
  paint,
  parseOutputFormat,
  relativeTime,
  relativeWords,
  render,
  renderTable,
  shortDuration,
  truncate,
} from './output';

interface Row {
  name: string;
  command: string;
  status: string;
}

const columns: Column<Row>[] = [
  { header: 'NAME', value: (r) => r.name },
  { header: 'STATUS', value: (r) => r.status, paint: (t) => paint(t, 'green') },
  { header: 'EXTRA', value: () => 'x', wide: true },
  { header: 'COMMAND', value: (r) => r.command, shrink: true },
];
const rows: Row[] = [
  { name: 'a', command: 'echo short', status: 'ok' },
  { name: 'longer-name', command: `echo ${'y'.repeat(60)}`, status: 'failed' },
];

describe('output', () => {
  it('renders aligned columns, wide ones only with wide', () => {
    expect(renderTable(rows.slice(0, 1), columns)).toBe(
      'NAME   STATUS   COMMAND\na      ok       echo short\n',
    );
    expect(renderTable(rows.slice(0, 1), columns, { wide: true }).split('\n')[0]).toBe(
      'NAME   STATUS   EXTRA   COMMAND',
    );
  });

  it('cuts shrinkable columns to the width, never the others', () => {
    const text = renderTable(rows, columns, { width: 40 });
    for (const line of text.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(40);
    expect(text).toContain('longer-name');
    expect(text).toMatch(/echo y+…\n$/);
    expect(renderTable(rows, columns)).toContain('y'.repeat(60));
    expect(fitWidths([10, 50], [false, true], 20)).toEqual([10, 8]);
    expect(fitWidths([30, 50], [false, false], 20)).toEqual([30, 50]);
  });

  it('colours after padding, so colour does not shift columns', () => {
    const plain = renderTable(rows, columns);
    // eslint-disable-next-line no-control-regex
    expect(renderTable(rows, columns, { color: true }).replace(/\u001b\[\d+m/g, '')).toBe(plain);
    expect(renderTable(rows, columns, { color: true })).toContain('\u001b[32mok\u001b[0m');
  });

  it('keeps newlines in values out of the table', () => {
    expect(renderTable([{ name: 'n', command: 'a\nb', status: 's' }], columns)).toBe(
      'NAME   STATUS   COMMAND\nn      s        a b\n',
    );
  });

  it('prints json and yaml as data, tables empty as nothing', () => {
    expect(JSON.parse(render(rows, columns, 'json'))).toEqual(rows);
    expect(parse(render(rows, columns, 'yaml'))).toEqual(rows);
    expect(render([], columns, 'json')).toBe('[]\n');
    expect(render([], columns, 'table')).toBe('');
  });

  it('parses -o', () => {
    expect(parseOutputFormat('yaml')).toBe('yaml');
    expect(() => parseOutputFormat('xml')).toThrow(
      '-o: expected one of table, wide, json, yaml, got "xml"',
    );
  });

  it('writes times and durations short and in words', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(relativeTime('2026-01-01T00:05:00Z', now)).toBe('in 5m');
    expect(relativeTime('2025-12-31T22:00:00Z', now)).toBe('2h ago');
    expect(relativeWords('2026-01-01T00:00:01Z', now)).toBe('in 1 second');
    expect(relativeWords('2026-01-01T14:00:00+01:00', now)).toBe('in 13 hours');
    expect(relativeWords('2025-12-29T00:00:00Z', now)).toBe('3 days ago');
    expect(shortDuration(1500)).toBe('1s');
    expect(shortDuration(125_000)).toBe('2m5s');
    expect(shortDuration(250)).toBe('250ms');
    expect(truncate('abcdef', 4)).toBe('abc…');
  });
});
