import { Column, render } from './output';
import { PagedOutput } from './paged-output';

interface Row {
  name: string;
  labels: Record<string, string>;
  n: number;
}

const columns: Column<Row>[] = [
  { header: 'NAME', value: (r) => r.name },
  { header: 'N', value: (r) => String(r.n) },
];
const rows: Row[] = Array.from({ length: 7 }, (_, i) => ({
  name: `job-${'x'.repeat(i)}`,
  labels: { team: `t${i}`, 'a b': 'c: d' },
  n: i,
}));

function paged(format: 'table' | 'json' | 'yaml', pages: Row[][]): string {
  const out = new PagedOutput(columns, format);
  return pages.map((page) => out.page(page)).join('') + out.end();
}

describe('PagedOutput', () => {
  const split = [rows.slice(0, 3), rows.slice(3, 5), [], rows.slice(5)];

  it.each(['json', 'yaml'] as const)(
    'prints %s exactly as the whole list, page by page',
    (format) => {
      expect(paged(format, split)).toBe(render(rows, columns, format));
      expect(paged(format, [rows])).toBe(render(rows, columns, format));
    },
  );

  it.each(['json', 'yaml'] as const)('prints an empty %s list as render does', (format) => {
    expect(paged(format, [[]])).toBe(render([], columns, format));
  });

  it('prints a table header once, each page sized on its own', () => {
    const lines = paged('table', split).trimEnd().split('\n');
    expect(lines.filter((line) => line.startsWith('NAME'))).toHaveLength(1);
    expect(lines).toHaveLength(1 + rows.length);
    expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual(rows.map((r) => r.name));
  });

  it('prints nothing for an empty table, and says so', () => {
    const out = new PagedOutput(columns, 'table');
    expect(out.page([]) + out.end()).toBe('');
    expect(out.empty).toBe(true);
  });
});
