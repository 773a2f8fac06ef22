/**
 * A list printed page by page as the API answers, so `get` holds one page at a time and the first
 * lines show at once however long the list. JSON and YAML come out exactly as `render` gives the
 * whole list; a table's columns are sized per page (as kubectl's chunks are), its header once.
 */
import { stringify } from 'yaml';
import { Column, OutputFormat, renderTable, TableOptions } from './output';

export class PagedOutput<T> {
  private count = 0;

  constructor(
    private readonly columns: readonly Column<T>[],
    private readonly format: OutputFormat,
    private readonly opts: Omit<TableOptions, 'wide'> = {},
  ) {}

  /** Nothing printed yet: no row came. */
  get empty(): boolean {
    return this.count === 0;
  }

  /** The text for the next page of rows. */
  page(rows: readonly T[]): string {
    if (rows.length === 0) return '';
    const first = this.count === 0;
    this.count += rows.length;
    switch (this.format) {
      case 'json':
        return rows
          .map(
            (row, i) =>
              `${first && i === 0 ? '[\n' : ',\n'}${indent(JSON.stringify(row, null, 2))}`,
          )
          .join('');
      case 'yaml':
        return stringify(rows);
      default: {
        const text = renderTable(rows, this.columns, {
          ...this.opts,
          wide: this.format === 'wide',
        });
        return first ? text : text.slice(text.indexOf('\n') + 1);
      }
    }
  }

  /** The text that closes the list. */
  end(): string {
    if (this.format === 'json') return this.empty ? '[]\n' : '\n]\n';
    if (this.format === 'yaml') return this.empty ? '[]\n' : '';
    return '';
  }
}

function indent(text: string): string {
  return text.replace(/^/gm, '  ');
}
