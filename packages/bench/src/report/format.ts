/** How figures are written in the tables. */

export const NA = 'n/a';

export function ms(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined || Number.isNaN(value) ? NA : `${value.toFixed(digits)} ms`;
}

export function signedMs(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || Number.isNaN(value)) return NA;
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(digits)}`;
}

export function count(value: number | null | undefined): string {
  return value === null || value === undefined ? NA : Math.round(value).toLocaleString('en-US');
}

export function bytes(value: number | null | undefined): string {
  if (value === null || value === undefined) return NA;
  // RSS moves by megabytes with the garbage collector, so below a kilobyte
  // per item the figure is noise, not a measurement (it can even be negative).
  if (value < 1024) return '< 1 KB';
  const kb = value / 1024;
  return `${kb.toFixed(kb < 10 ? 1 : 0)} KB`;
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? NA : `${value.toFixed(1)} %`;
}

/** A ratio to another target's figure: `1.05×`. */
export function ratio(value: number | null | undefined): string {
  return value === null || value === undefined || Number.isNaN(value) ? NA : `${value.toFixed(2)}×`;
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
