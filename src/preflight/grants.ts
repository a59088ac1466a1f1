import type { Engine } from '../db/engines.js';
import { usingDatabase } from '../db/connect.js';
import type { ConnectionSpec } from '../config/connection-spec.js';
import { SchemaCheckError } from '../errors.js';
import type { AnyJob } from '../vocabulary/job-definition.js';
import { preflight } from './preflight.js';
import { grantsScript } from './privileges/grants-script.js';
import { privilegeNeeds } from './privileges/needs.js';
import { askedPrivileges } from './privileges/preflight-privileges.js';

export interface GrantsRequest {
  jobs: readonly AnyJob[];
  login: string;
  journalSchema: string;
}

/**
 * The grants script for the database CW_DB_URL names: its layout and audit columns detected as
 * every run detects them (hidden tables count as present), so it grants exactly what exists.
 */
export async function grantsForDatabase(spec: ConnectionSpec, request: GrantsRequest): Promise<string> {
  return usingDatabase(spec, async (handle) => {
    const report = await preflight(handle, request.jobs, request.journalSchema);
    const { layout, auditColumns } = report.schema;
    if (!layout) {
      throw new SchemaCheckError('Cannot tell the ConnectWise layout, so cannot say what to grant:', Object.values(report.schema.blocked)[0] ?? []);
    }
    const needs = privilegeNeeds({ jobs: request.jobs, layout, auditColumns, journalSchema: request.journalSchema });
    const audit = auditColumns.length ? `audit columns ${auditColumns.join(', ')}` : 'no audit columns';
    return grantsScript({ ...request, jobNames: request.jobs.map((j) => j.name), engine: handle.adapter.engine, needs, conditional: false, source: `layout ${layout} and ${audit}, detected on ${handle.label}` });
  });
}

/** Without a database: every layout's needs, each ConnectWise grant guarded by the existence of its table or column. */
export function grantsWithoutDatabase(engine: Engine, request: GrantsRequest): string {
  const needs = askedPrivileges(request.jobs, request.journalSchema);
  return grantsScript({ ...request, jobNames: request.jobs.map((j) => j.name), engine, needs, conditional: true, source: 'no database connected' });
}

