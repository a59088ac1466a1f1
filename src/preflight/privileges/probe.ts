import type { Kysely } from 'kysely';
import type { EngineAdapter } from '../../db/engines.js';
import type { PrivilegeSnapshot } from '../../db/engine/privileges.js';
import type { PrivilegeNeed } from './needs.js';

export { grantKey, type PrivilegeSnapshot } from '../../db/engine/privileges.js';

/**
 * What this login may do, read in one query (one round trip) from the server's own permission
 * functions, and which tables exist whether or not this login can see them. The catalog views
 * (INFORMATION_SCHEMA, sys.objects) hide a table the login has no permission on; a hidden table
 * must not pass for an absent one. How each engine reads them: its introspector
 * (src/db/mssql/mssql-introspector.ts, src/db/postgres/postgres-introspector.ts).
 */
export async function probePrivileges(db: Kysely<any>, adapter: EngineAdapter, asked: readonly PrivilegeNeed[], journalSchema: string): Promise<PrivilegeSnapshot> {
  return adapter.introspector.probePrivileges(db, asked, journalSchema);
}
