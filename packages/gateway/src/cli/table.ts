/**
 * Rows as an aligned plain-text table: a header, then one line per row,
 * columns separated by two spaces; columns named in `right` (numbers) are
 * right-aligned. Missing values print as `-`.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[], right: ReadonlySet<string> = new Set()): string {
  const cells = rows.map((row) => headers.map((_, i) => (row[i] === null || row[i] === undefined || row[i] === '' ? '-' : String(row[i]))));
  const widths = headers.map((header, i) => Math.max(header.length, ...cells.map((row) => row[i].length)));
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => (right.has(headers[i]) ? value.padStart(widths[i]) : value.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

/** `field  value` lines, the names aligned: one record shown in full. */
export function formatRecord(entries: readonly [string, string | number | null | undefined][]): string {
  const width = Math.max(...entries.map(([name]) => name.length));
  return entries.map(([name, value]) => `${name.padEnd(width)}  ${value === null || value === undefined || value === '' ? '-' : String(value)}`).join('\n') + '\n';
}
