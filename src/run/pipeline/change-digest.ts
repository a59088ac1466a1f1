import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/model/schema.js';
import { keysetPagesOn } from '../../db/keyset-pages.js';
import { cwMaintTables } from '../../journal/tables.js';

/** Rows read per statement when the journal is read back. */
const PAGE = 10_000;

/**
 * What a person confirms at the prompt: every (Contact_RecID, value before) that would change,
 * in Contact_RecID order, hashed. Not the preview's 20 rows, and not CHECKSUM_AGG (which
 * collides): SHA-256 over the whole list. Audit columns stay out; the journaled UPDATE itself
 * re-checks each row.
 */
export async function changeDigest(rows: AsyncIterable<{ id: number; before: number | null }>): Promise<string> {
  const hash = createHash('sha256');
  let last = Number.NEGATIVE_INFINITY;
  for await (const { id, before } of rows) {
    if (!(id > last)) throw new Error(`changeDigest: rows must come in ascending Contact_RecID order (${id} after ${last})`);
    last = id;
    hash.update(`${id}:${before ?? 'NULL'}\n`);
  }
  return hash.digest('hex');
}

/** The same digest over what a run journaled (its rows' values before), read back inside its transaction. */
export async function journalDigest(db: Kysely<Database>, schema: string, runId: number): Promise<string> {
  return changeDigest(journaledBefore(db, schema, runId));
}

async function* journaledBefore(db: Kysely<Database>, schema: string, runId: number): AsyncGenerator<{ id: number; before: number | null }> {
  const { journalAs } = cwMaintTables(schema);
  const pages = keysetPagesOn(
    (page) =>
      db
        .selectFrom(journalAs)
        .select(['j.contact_recid', 'j.old_value'])
        .where('j.run_id', '=', runId)
        .$if(page.after !== null, (q) => q.where('j.contact_recid', '>', page.after!))
        .orderBy('j.contact_recid')
        .offset(0)
        .fetch(page.rows)
        .execute(),
    (r) => Number(r.contact_recid),
    PAGE,
  );
  for await (const r of pages) yield { id: Number(r.contact_recid), before: r.old_value === null ? null : Number(r.old_value) };
}
