/**
 * CSV for spreadsheets (RFC 4180) that cannot run as a formula: a cell starting with =, +, -, @,
 * tab or carriage return is prefixed with an apostrophe (OWASP's advice on CSV injection), and
 * every cell is quoted.
 */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? "" : value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function csvRow(values: unknown[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}
