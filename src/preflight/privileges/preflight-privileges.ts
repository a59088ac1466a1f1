import { CONNECTWISE_TABLES, LAYOUTS } from '../../db/model/layout.js';
import { AUDIT_COLUMNS } from '../../db/model/schema.js';
import type { AnyJob } from '../../vocabulary/job-definition.js';
import { hasObject, type SchemaSnapshot } from '../../db/catalog.js';
import { mergeNeeds, privilegeNeeds, type PrivilegeNeed } from './needs.js';
import type { PrivilegeSnapshot } from './probe.js';

/**
 * The permissions to ask about before the layout is known: what any layout could need, with every
 * audit column. The one permission query asks these; the check then uses the layout's own.
 */
export function askedPrivileges(jobs: readonly AnyJob[], journalSchema: string): PrivilegeNeed[] {
  return mergeNeeds(LAYOUTS.flatMap((layout) => privilegeNeeds({ jobs, layout, auditColumns: AUDIT_COLUMNS, journalSchema })));
}

/** ConnectWise tables that exist but that the catalog does not show this login. */
export function hiddenConnectWiseTables(snapshot: PrivilegeSnapshot, catalog: SchemaSnapshot): string[] {
  return CONNECTWISE_TABLES.filter((t) => snapshot.existing.has(t.toLowerCase()) && !hasObject(catalog, t));
}

/** Every table in the journal schema (lower-cased), or null when this login cannot know them all. */
export function journalSchemaListing(snapshot: PrivilegeSnapshot, visible: string[]): string[] | null {
  if (snapshot.journalSchemaTables === 'not-listable') return null;
  return snapshot.journalSchemaTables === 'use-catalog' ? visible : snapshot.journalSchemaTables;
}
