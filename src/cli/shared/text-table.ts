import { printable } from '../../printable.js';

/** Left-aligned columns, two spaces apart, each as wide as its widest cell; optional indent and rule under the header. */
export function textTable(header: string[], cells: string[][], options: { indent?: string; rule?: boolean } = {}): string[] {
  // A newline or tab in a name must not break the table: every cell is made printable.
  const rows = cells.map((row) => row.map(printable));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `${options.indent ?? ''}${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  return [line(header), ...(options.rule ? [line(widths.map((w) => '-'.repeat(w)))] : []), ...rows.map(line)];
}
