// The one rule every CSV cell `decrypt` writes follows, whatever the format.

/**
 * Makes a cell safe to open in a spreadsheet: a value starting with `=`, `+`, `-`, `@`, a tab or
 * a carriage return would be read as a formula (OWASP "CSV injection"), so it gets a leading `'`.
 */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
