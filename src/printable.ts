/**
 * Text from the database or the command line, made safe for a terminal, a log line or a chat
 * message: control characters (C0, DEL, C1) and the bidirectional controls (U+202A-E, U+2066-9)
 * are written as escapes (\n, \t, \x1B, \u202E), so a newline in a contact's name cannot break a
 * tab-separated line, and a ticket holding an escape sequence cannot forge a line or recolour a
 * terminal. JSON output keeps the data exact; only text meant for people goes through this.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => NAMED[c] ?? (c.charCodeAt(0) <= 0xff ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`));
}

function hex(c: string, width: number): string {
  return c.charCodeAt(0).toString(16).toUpperCase().padStart(width, '0');
}

/** Every string inside a value (a log line's fields), made printable; keys too. */
export function printableDeep(value: unknown): unknown {
  if (typeof value === 'string') return printable(value);
  if (Array.isArray(value)) return value.map(printableDeep);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [printable(k), printableDeep(v)]));
  return value;
}

/** A text of several lines, each made printable (its line breaks kept). */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}
