import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { parseConnectionSpec } from '../../src/config/connection-spec.js';
import { adapterFor } from '../../src/db/engines.js';
import { keysetRows, LostWhileReadingError, type Page, type RowSource } from '../../src/db/keyset-pages.js';
import type { Database } from '../../src/db/model/schema.js';
import { ConnectionLostError } from '../../src/db/mssql/lost-connection.js';

/** A pool of one fake session: counts how often it is lent and given back. */
function fakeSource(engine: 'postgres' | 'mssql', rows: number, afterPage?: (page: number) => Promise<void>) {
  const session = { lent: 0, returned: 0 };
  const on = {} as Kysely<Database>;
  const db = {
    connection: () => ({
      execute: async (fn: (on: Kysely<Database>) => Promise<unknown>) => {
        session.lent++;
        try {
          return await fn(on);
        } finally {
          session.returned++;
        }
      },
    }),
  } as unknown as Kysely<Database>;
  const url = engine === 'postgres' ? 'postgres://u:p@db.example:5432/cw' : 'mssql://u:p@sql.example:1433/cw?encrypt=false';
  const source: RowSource = { db, adapter: adapterFor(engine), spec: parseConnectionSpec(url), paging: { rows, afterPage } };
  return { source, session, on };
}

/** Keys 1..n, served a page at a time as a keyset statement would (`key > after`, at most `rows`). */
function table(n: number, fail?: { atPage: number; error: unknown }) {
  const pages: Page[] = [];
  const fetchPage = async (_on: Kysely<Database>, page: Page) => {
    pages.push(page);
    if (fail && pages.length === fail.atPage) throw fail.error;
    return Array.from({ length: n }, (_, i) => ({ id: i + 1 })).filter((r) => page.after === null || r.id > page.after).slice(0, page.rows);
  };
  return { pages, fetchPage };
}

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const row of rows) all.push(row);
  return all;
}

describe('keysetRows: a streamed read in keyset pages', () => {
  it('asks for each page after the last key of the one before, stops at a short page, over one session given back once', async () => {
    const { source, session } = fakeSource('postgres', 3);
    const { pages, fetchPage } = table(7);
    expect((await collect(keysetRows(source, fetchPage, (r) => r.id))).map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(pages).toEqual([
      { after: null, rows: 3 },
      { after: 3, rows: 3 },
      { after: 6, rows: 3 },
    ]);
    expect(session).toEqual({ lent: 1, returned: 1 });
  });

  it('reads one more page when the last one was full, and calls the test seam after each full page', async () => {
    const seen: number[] = [];
    const { source } = fakeSource('postgres', 3, async (page) => void seen.push(page));
    const { pages, fetchPage } = table(6);
    expect(await collect(keysetRows(source, fetchPage, (r) => r.id))).toHaveLength(6);
    expect(pages.map((p) => p.after)).toEqual([null, 3, 6]);
    expect(seen).toEqual([1, 2]);
  });

  it('gives the session back when the reader stops early (show --limit)', async () => {
    const { source, session } = fakeSource('postgres', 2);
    const { fetchPage } = table(10);
    for await (const row of keysetRows(source, fetchPage, (r) => r.id)) if (row.id === 3) break;
    expect(session).toEqual({ lent: 1, returned: 1 });
  });

  it.each([
    ['postgres', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), /PostgreSQL error 57P01: terminating connection/],
    ['postgres', new Error('Client has encountered a connection error and is not queryable'), /not queryable/],
    ['postgres', new Error('Connection terminated unexpectedly'), /Connection terminated unexpectedly/],
    ['mssql', new ConnectionLostError('sql.example:1433', 'socket hang up', new Error('x')), /\(socket hang up\)$/],
  ] as const)('turns a lost connection on %s into one line that says how far it got, and gives the session back', async (engine, error, reason) => {
    const { source, session } = fakeSource(engine, 2);
    const { fetchPage } = table(10, { atPage: 3, error });
    const read: number[] = [];
    const failure = await collect((async function* () {
      for await (const row of keysetRows(source, fetchPage, (r) => r.id)) yield read.push(row.id);
    })()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(LostWhileReadingError);
    expect((failure as LostWhileReadingError).exitCode).toBe(1);
    expect((failure as LostWhileReadingError).rowsRead).toBe(4);
    const server = engine === 'postgres' ? 'postgres://db.example:5432' : 'mssql://sql.example:1433';
    expect((failure as Error).message).toMatch(new RegExp(`^the connection to the server at ${server} was lost while reading rows; 4 row\\(s\\) had been read \\(`));
    expect((failure as Error).message).toMatch(reason);
    expect(read).toEqual([1, 2, 3, 4]);
    expect(session).toEqual({ lent: 1, returned: 1 });
  });

  it("leaves any other error as it is (a statement's own failure is not a lost connection)", async () => {
    const { source } = fakeSource('postgres', 2);
    const own = Object.assign(new Error('permission denied for table Contact'), { code: '42501' });
    const { fetchPage } = table(10, { atPage: 2, error: own });
    await expect(collect(keysetRows(source, fetchPage, (r) => r.id))).rejects.toBe(own);
  });

  it('refuses a key that does not grow: it would skip or repeat rows at a page boundary', async () => {
    const { source } = fakeSource('postgres', 3);
    const fetchPage = async () => [{ id: 1 }, { id: 1 }, { id: 2 }];
    await expect(collect(keysetRows(source, fetchPage, (r) => r.id))).rejects.toThrow(/key 1 does not follow 1/);
  });
});

describe('streamed reads', () => {
  it('go through keysetRows: no Kysely .stream() (a cursor whose read can hang on a lost connection) in src/', () => {
    const root = fileURLToPath(new URL('../../src', import.meta.url));
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : name.endsWith('.ts') ? [join(dir, name)] : []));
    const offenders = files(root).filter((file) => /\.stream\(/.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
