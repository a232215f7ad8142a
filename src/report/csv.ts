/**
 * CSV for Excel as the index team uses it: UTF-8 with a byte order mark (so that Excel reads
 * å, ä and ö), `;` between fields and CRLF between rows (what Swedish Excel expects when a file
 * is opened with a double click), RFC 4180 quoting. Numbers are written with a decimal comma.
 *
 * The text comes from kommun websites: a cell that starts with =, +, -, @ or a tab would be read
 * as a formula by a spreadsheet, so such text gets a leading apostrophe (OWASP, CSV injection).
 */

export type Cell = string | number | null | undefined;

export const CSV_BOM = '\uFEFF';
export const CSV_SEPARATOR = ';';

export function csvNumber(n: number): string {
  return String(Math.round(n * 100) / 100).replace('.', ',');
}

export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'number' ? csvNumber(value) : value;
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[";\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: Cell[][]): string {
  const line = (cells: Cell[]) => cells.map(csvCell).join(CSV_SEPARATOR);
  return `${CSV_BOM}${[line(header), ...rows.map(line)].join('\r\n')}\r\n`;
}
