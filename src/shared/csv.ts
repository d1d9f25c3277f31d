/** One CSV cell: numbers are written as they are (full precision), null and NaN as an empty field. */
export type CsvCell = string | number | null;

/**
 * Text that a spreadsheet would run as a formula if it started a cell (`=HYPERLINK(…)`, `+cmd|…`, `@SUM(…)`); such
 * a text cell is prefixed with `'` (the OWASP "CSV injection" advice). Numbers are never touched, so -0.5 stays.
 */
const formulaStart = /^[=+\-@\t\r]/;

/** One field, quoted per RFC 4180 §2 when it holds a comma, a quote, CR or LF (quotes doubled inside). */
export function csvField(cell: CsvCell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  const text = formulaStart.test(cell) ? `'${cell}` : cell;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A CSV document (RFC 4180): a header row, then the rows, CRLF between records and after the last one (`eol`
 * '\n' for a terminal's standard output, where a CR is a control character).
 */
export function buildCsv(
  header: readonly string[],
  rows: readonly (readonly CsvCell[])[],
  eol: '\r\n' | '\n' = '\r\n',
): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',') + eol).join('');
}
