// The server the bench runs on: what it is, how to reach one of its databases, and the databases
// the bench creates, every one of which is dropped again (also after a failure or Ctrl-C).
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { parseConnectionSpec, type ConnectionSpec } from '../../src/config/connection-spec.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/connect.js';
import { UsageError } from '../../src/errors.js';
import type { TestEngine } from '../../test/support/engines.js';
import { specForDatabase } from '../../test/support/engines.js';

export interface BenchEngine extends TestEngine {
  /** The heading of its RESULTS.md section. */
  heading: 'PostgreSQL' | 'Babelfish' | 'SQL Server';
  version: string;
  /** PostgreSQL 15 or later: CREATE DATABASE … STRATEGY = FILE_COPY. */
  fileCopy: boolean;
}

export async function probeEngine(url: string, source: string): Promise<BenchEngine> {
  const spec = parseConnectionSpec(url, source);
  if ('embedded' in spec) throw new UsageError(`${source}: the bench needs a server (postgres:// or mssql://), not pglite:`);
  const handle = await openDatabase(spec, { poolSize: 1 });
  try {
    const { rows } = await sql<{ v: string }>`SELECT @@VERSION AS v`.execute(handle.db).catch(() => sql<{ v: string }>`SELECT version() AS v`.execute(handle.db));
    const version = (rows[0]?.v ?? '').split('\n')[0]!.replace(/ on \S+-linux.*$/, '').trim();
    const flavor = spec.engine === 'postgres' ? 'postgres' : /babelfish/i.test(version) ? 'babelfish' : 'sqlserver';
    const heading = flavor === 'postgres' ? 'PostgreSQL' : flavor === 'babelfish' ? 'Babelfish' : 'SQL Server';
    const fileCopy = flavor === 'postgres' && Number(/PostgreSQL (\d+)/.exec(version)?.[1] ?? 0) >= 15;
    return { name: heading, engine: spec.engine, adminUrl: url, flavor, heading, version, fileCopy };
  } finally {
    await handle.db.destroy();
  }
}

export function specFor(engine: BenchEngine, database: string): ConnectionSpec {
  return specForDatabase(engine, database);
}

/** The URL a child process reaches `database` by (CW_DB_URL): the admin URL with another path. */
export function urlFor(engine: BenchEngine, database: string): string {
  const url = new URL(engine.adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export function open(engine: BenchEngine, database: string, poolSize = 1): Promise<DatabaseHandle> {
  return openDatabase(specFor(engine, database), { poolSize });
}

/** Creates and drops the bench's databases; remembers them so dropAll can clean up after anything. */
export class BenchDatabases {
  private readonly live = new Set<string>();
  private readonly tag = randomBytes(3).toString('hex');

  constructor(private readonly engine: BenchEngine) {}

  name(suffix: string): string {
    return `cwm_bench_${this.tag}_${suffix}`;
  }

  async create(name: string, template?: string): Promise<void> {
    this.live.add(name);
    await this.admin(async (db) => {
      // FILE_COPY (PostgreSQL 15+): no WAL for the copied data, and a checkpoint before and after,
      // so a copy leaves no write-back behind to land in the next timed run.
      const strategy = this.engine.fileCopy ? sql` STRATEGY = FILE_COPY` : sql``;
      const create = template ? sql`CREATE DATABASE ${sql.id(name)} TEMPLATE ${sql.id(template)}${strategy}` : sql`CREATE DATABASE ${sql.id(name)}`;
      await retried(() => create.execute(db));
    });
  }

  async drop(name: string): Promise<void> {
    await this.admin(async (db) => {
      if (this.engine.engine === 'postgres') await retried(() => sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(db));
      else {
        // SQL Server ends other sessions this way; Babelfish does not support it (and needs no such step).
        if (this.engine.flavor === 'sqlserver') await sql.raw(`ALTER DATABASE [${name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE`).execute(db).catch(() => undefined);
        await retried(() => sql.raw(`DROP DATABASE [${name}]`).execute(db));
      }
    });
    this.live.delete(name);
  }

  /** Best effort, every one tried: used on failure and on Ctrl-C. */
  async dropAll(): Promise<string[]> {
    const failed: string[] = [];
    for (const name of [...this.live]) await this.drop(name).catch(() => failed.push(name));
    return failed;
  }

  private async admin(fn: (db: DatabaseHandle['db']) => Promise<void>): Promise<void> {
    const admin = await openDatabase(parseConnectionSpec(this.engine.adminUrl, 'the bench URL'), { poolSize: 1 });
    try {
      await fn(admin.db);
    } finally {
      await admin.db.destroy();
    }
  }
}

/**
 * A clone or drop can meet a session that is just going away (PostgreSQL: the pool's last
 * connection, an autovacuum worker), and Babelfish fails concurrent CREATE/DROP DATABASE with
 * "tuple concurrently updated"; both succeed a moment later.
 */
async function retried<T>(fn: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const transient = /being accessed by other users|process is being terminated|tuple concurrently updated|currently in use/i.test(String((error as Error)?.message));
      if (attempt >= attempts || !transient) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
