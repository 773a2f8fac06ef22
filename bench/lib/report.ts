/** Writes a run's results as JSON and an SVG chart under bench/results/, and prints a table. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Row {
  scenario: string;
  metric: string;
  value: number | string;
  target?: string;
  pass?: boolean;
}

export function printTable(rows: Row[]): void {
  const cells = rows.map((r) => [
    r.scenario,
    r.metric,
    typeof r.value === 'number' ? formatNumber(r.value) : r.value,
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'PASS' : 'FAIL',
  ]);
  const header = ['scenario', 'metric', 'value', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string =>
    c
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const c of cells) process.stdout.write(`${line(c)}\n`);
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2);
}

/** A horizontal bar chart of the rows whose metric is in milliseconds. */
export function svgChart(rows: Row[], title: string): string {
  const bars = rows.filter(
    (r) => typeof r.value === 'number' && r.metric.endsWith('ms') && Number.isFinite(r.value),
  );
  const max = Math.max(1, ...bars.map((b) => b.value as number));
  const height = 40 + bars.length * 22;
  const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const body = bars
    .map((b, i) => {
      const y = 30 + i * 22;
      const w = Math.max(1, ((b.value as number) / max) * 420);
      const colour = b.pass === false ? '#c0392b' : '#2e86c1';
      return `<text x="5" y="${y + 13}" font-size="11">${escape(`${b.scenario} ${b.metric}`)}</text><rect x="300" y="${y}" width="${w.toFixed(1)}" height="16" fill="${colour}"/><text x="${(305 + w).toFixed(1)}" y="${y + 13}" font-size="11">${formatNumber(b.value as number)}</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="${height}" font-family="sans-serif"><text x="5" y="18" font-size="14">${escape(title)}</text>\n${body}\n</svg>\n`;
}

export function writeResults(
  dir: string,
  payload: { rows: Row[]; raw: Record<string, unknown>; machine: Record<string, unknown> },
): string {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(dir, `${stamp}.json`), JSON.stringify(payload, null, 2));
  writeFileSync(join(dir, 'latest.json'), JSON.stringify(payload, null, 2));
  writeFileSync(join(dir, 'latest.svg'), svgChart(payload.rows, `cronplane bench ${stamp}`));
  return stamp;
}
