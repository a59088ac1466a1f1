import type { Kysely } from 'kysely';
import { describeServer, type ConnectionSpec } from '../config/connection-spec.js';
import { ConnectionError } from '../errors.js';
import type { EngineAdapter } from './engines.js';
import type { Database } from './model/schema.js';

/** Rows per page of a streamed read (a --report, `show`): one ordinary statement each. */
export const PAGE_ROWS = 1_000;

/** How a streamed read pages. `afterPage` is a test seam: tests pass it in; nothing in production sets it. */
export interface Paging {
  rows: number;
  /** Called after each full page, before the next one is asked for (page numbers from 1). */
  afterPage?: (page: number) => Promise<void>;
}

/** One page: the rows whose key follows `after`, in key order, at most `rows` of them. */
export interface Page {
  /** null: the first page, from the lowest key (a Contact_RecID may be -2^31 itself). */
  after: number | null;
  rows: number;
}

/** What a streamed read needs of an open database (a DatabaseHandle is one). */
export interface RowSource {
  readonly db: Kysely<Database>;
  readonly adapter: EngineAdapter;
  readonly spec: ConnectionSpec;
  readonly paging?: Paging;
}

/**
 * Every row of a query ordered by a unique integer key (Contact_RecID, or the journal's
 * contact_recid of one run), read page by page: each page is an ordinary statement for the rows
 * after the last key of the page before (`fetchPage` adds `key > after` and a row limit), so
 * memory holds one page at any size.
 *
 * Why not a cursor: a pg-cursor read on a connection the server has ended can stay pending for
 * ever (node-postgres #2468, #2642), and with nothing else left to run Node then exits 13 with
 * nothing said. An ordinary statement fails as soon as its socket closes, so here every page read
 * rejects within seconds of a lost connection. Between pages nothing is held on the server: no
 * cursor keeping a snapshot open on PostgreSQL, no paused result stream keeping shared locks on
 * SQL Server that would block ConnectWise's writers.
 *
 * Every page goes over one session, held until the read ends (finished, broken off, or failed): a
 * session a DBA kills, or a connection that drops, ends the read with a LostWhileReadingError
 * instead of the pool quietly opening another one halfway. Nothing else may ask for a connection
 * while a read is under way on a pool of one (the embedded PGlite): it would wait for this one.
 */
export async function* keysetRows<R>(
  source: RowSource,
  fetchPage: (on: Kysely<Database>, page: Page) => Promise<readonly R[]>,
  keyOf: (row: R) => number,
): AsyncGenerator<R> {
  const rows = source.paging?.rows ?? PAGE_ROWS;
  let read = 0;
  const lost = (error: unknown) => {
    const reason = source.adapter.driver.lostConnectionReason(error);
    return reason === undefined ? error : new LostWhileReadingError(describeServer(source.spec).server, read, reason, error);
  };
  const session = await heldSession(source.db).catch((error: unknown) => {
    throw lost(error);
  });
  try {
    const pages = keysetPagesOn(
      (page) => fetchPage(session.on, page).catch((error: unknown) => {
        throw lost(error);
      }),
      keyOf,
      rows,
      source.paging?.afterPage,
    );
    for await (const row of pages) {
      read++;
      yield row;
    }
  } finally {
    await session.release();
  }
}

/**
 * The paging itself, on whatever connection `fetchPage` uses (a transaction already held, for the
 * run's own reads under its lock): each page the rows after the last key of the one before, the
 * first with no lower bound, until a page comes back short.
 */
export async function* keysetPagesOn<R>(
  fetchPage: (page: Page) => Promise<readonly R[]>,
  keyOf: (row: R) => number,
  rows: number = PAGE_ROWS,
  afterPage?: (page: number) => Promise<void>,
): AsyncGenerator<R> {
  let after: number | null = null;
  for (let page = 1; ; page++) {
    const batch = await fetchPage({ after, rows });
    for (const row of batch) {
      const key = keyOf(row);
      // A key that does not grow would skip or repeat rows at a page boundary: a bug, said loudly.
      if (after !== null && !(key > after)) throw new Error(`keyset read: key ${key} does not follow ${after}; the query's order key must be unique`);
      after = key;
      yield row;
    }
    if (batch.length < rows) return;
    await afterPage?.(page);
  }
}

/** The connection to the server was lost in the middle of a streamed read: exit 1, one line. */
export class LostWhileReadingError extends ConnectionError {
  constructor(
    server: string,
    readonly rowsRead: number,
    reason: string,
    cause: unknown,
  ) {
    super(`the connection to the server at ${server} was lost while reading rows; ${rowsRead} row(s) had been read (${reason})`, [], { cause });
  }
}

/**
 * One connection of the pool, held for as long as a generator needs it: Kysely lends a single
 * connection only for the length of a callback, so the callback waits until `release`.
 */
async function heldSession(db: Kysely<Database>): Promise<{ on: Kysely<Database>; release(): Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let lend!: (on: Kysely<Database>) => void;
  const lent = new Promise<Kysely<Database>>((resolve) => (lend = resolve));
  const held = db.connection().execute(async (on) => {
    lend(on);
    await released;
  });
  // Acquiring fails before anything is lent (held rejects first); otherwise held settles after release.
  const on = await Promise.race([lent, held.then(() => lent)]);
  return {
    on,
    release: async () => {
      release();
      await held.catch(() => undefined);
    },
  };
}
