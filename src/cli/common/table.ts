import { terminalSafe } from './terminalSafe';

/**
 * Left/right-aligned plain-text columns for terminal output. Cells are escaped (terminalSafe) before the columns
 * are measured, so a label with control characters in it keeps its column aligned.
 */
export function table(header: string[], rawRows: string[][], rightAligned: ReadonlySet<number> = new Set()): string {
  const rows = rawRows.map((row) => row.map(terminalSafe));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

export function fmt(n: number | null, digits = 4): string {
  if (n === null) return '-';
  return String(Number(n.toPrecision(digits)));
}
