/**
 * CSV injection (OWASP, "CSV Injection"): a spreadsheet runs a cell that starts with =, +, -, @,
 * a tab, a carriage return or a line feed as a formula (`=cmd|' /C calc'!A0`, `=HYPERLINK(...)`).
 * Report files go into change tickets and get opened in Excel, so every text cell that starts
 * so gets a leading ' (shown by Excel as text, not kept as part of the value). Numbers (RecIDs,
 * values) are not text and stay numbers; JSON reports keep the raw values.
 */
const FORMULA_START = /^[=+\-@\t\r\n]/;

export function neutralizeFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}
