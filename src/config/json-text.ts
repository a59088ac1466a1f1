import { createHash } from 'node:crypto';
import { visit } from 'jsonc-parser';

/**
 * The config file's text as cw-maint reads it: a UTF-8 byte-order mark (Notepad writes one) is
 * dropped, and a key given twice in one object is an error naming the key and both lines.
 * JSON.parse lets the last copy win silently, which once turned a job entry's second copy into
 * the one that ran; jsonc-parser's visitor reports every key with its line, so duplicates show.
 */
export interface JsonText {
  /** The text without its byte-order mark. */
  text: string;
  /** SHA-256 of the file's bytes, as stored (recorded on every run row). */
  sha256: string;
}

export function readJsonText(bytes: Buffer): JsonText {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { text, sha256 };
}

/** "jobs.revoke-inactive: key given twice (lines 4 and 9); JSON keeps only the last" for each duplicate. */
export function duplicateKeys(text: string): string[] {
  const problems: string[] = [];
  const objects: Array<Map<string, number>> = [];
  const path: string[] = [];
  // The key of the property whose value is the object or array being read, per open container.
  let pendingKey: string | undefined;
  const open = () => {
    path.push(pendingKey ?? '');
    pendingKey = undefined;
    objects.push(new Map());
  };
  const close = () => {
    objects.pop();
    path.pop();
  };
  visit(
    text,
    {
      onObjectBegin: open,
      onObjectEnd: close,
      onArrayBegin: open,
      onArrayEnd: close,
      onObjectProperty: (key, _offset, _length, startLine) => {
        const seen = objects[objects.length - 1];
        const line = startLine + 1;
        const first = seen?.get(key);
        if (first !== undefined) {
          const where = [...path.slice(1).filter(Boolean), key].join('.');
          problems.push(`${where}: key given twice (lines ${first} and ${line}); remove one (JSON would keep only the last)`);
        } else {
          seen?.set(key, line);
        }
        pendingKey = key;
      },
      onLiteralValue: () => {
        pendingKey = undefined;
      },
    },
    { disallowComments: true },
  );
  return problems;
}
