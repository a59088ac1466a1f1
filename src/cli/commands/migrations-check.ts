import { printableLines } from '../../printable.js';
import { Command } from 'commander';
import { SchemaCheckError } from '../../errors.js';
import { preflight, reasonsNotToRun, type PreflightReport } from '../../preflight/preflight.js';
import { cliContext, withCommonOptions, type CommonOptions } from '../shared/context.js';
import type { CliDeps } from '../shared/io.js';
import { privilegeJson, privilegeLines } from '../shared/privilege-report.js';
import { jsonPrinted } from '../shared/json-outcome.js';
import { orphanJournalRows } from '../../journal/history.js';

/** `migrations-check [--json]`: the preflight every run makes, as a report. Exit 0 when every job can apply, 3 otherwise. */
export function migrationsCheckCommand(deps: CliDeps): Command {
  return withCommonOptions(
    new Command('migrations-check').description("check the ConnectWise schema against the contract in migrations-check/, and cw-maint's own migrations"),
  )
    .option('--json', 'print the report as one JSON object')
    .action(async (options: CommonOptions & { json?: boolean }) => {
      const ctx = cliContext(options, deps);
      const schema = ctx.loaded.config.journalSchema;
      const { report, label, rcsi, orphans } = await ctx.usingDatabase(async (handle) => ({
        report: await preflight(handle, deps.jobs, schema),
        label: handle.label,
        rcsi: await handle.adapter.introspector.readCommittedSnapshot(handle.db),
        orphans: await orphanJournalRows(handle.db, schema).catch(() => null),
      }));
      const problems = [...new Set(deps.jobs.flatMap((job) => reasonsNotToRun(report, job.name, 'apply')))];
      // The journal has no foreign key (migration 008): a row whose run is gone cannot be undone or shown as its run's.
      if (orphans) problems.push(`${orphans} journal row(s) in "${schema}" have no run row (someone deleted runs): those changes cannot be undone by run id`);
      const { io } = deps;
      io.stdout.write(
        `${options.json ? JSON.stringify({ target: label, ...report.schema, migrations: report.migrations, privileges: privilegeJson(report), readCommittedSnapshot: rcsi, orphanJournalRows: orphans, ok: problems.length === 0 }) : printableLines(textReport(report, label, schema, problems, rcsi))}
`,
      );
      // With --json the report above is the one object; the error only sets the exit code and says why on stderr.
      if (problems.length) throw jsonPrinted(new SchemaCheckError('Some jobs cannot apply against this database:', problems));
    });
}

function textReport(report: PreflightReport, label: string, journalSchema: string, problems: string[], rcsi: boolean): string {
  const { schema, migrations } = report;
  const lines = [`Schema check of ${label}`];
  lines.push(schema.layout ? `Layout: ${schema.layout} (${schema.layoutDescription})` : 'Layout: UNKNOWN');
  for (const c of schema.required) {
    const tag = { ok: 'OK     ', missing: 'MISSING', 'wrong-type': 'WRONG  ', 'not-in-contract': 'UNKNOWN', 'not-visible': 'HIDDEN ' }[c.status];
    const found = c.status === 'missing' ? 'not found' : c.status === 'wrong-type' ? `is ${c.found}` : c.status === 'not-visible' ? 'no permission to see it' : c.found;
    lines.push(`  ${tag} ${c.table}.${c.column} (${c.expected ?? 'not in the contract'}: ${found})  used by ${c.requiredBy.join(', ')}`);
  }
  for (const o of schema.optional) {
    lines.push(`  ${o.status === 'ok' ? 'found  ' : 'absent '} ${o.table}.${o.column} (optional: ${o.status === 'ok' ? o.effect : 'not set on apply'})`);
  }
  const own = migrations.unknown.length
    ? `migrated by a newer cw-maint (${migrations.unknown.join(', ')})`
    : migrations.pending.length
      ? `${migrations.pending.length} pending migration(s); applies are blocked until \`npm run migrate\` (dry runs work)`
      : 'at the latest migration';
  lines.push(`cw-maint schema "${journalSchema}": ${own}.`);
  // Under locking READ COMMITTED, ConnectWise's readers of a row wait for the apply's commit.
  lines.push(
    rcsi
      ? 'Readers see row versions (READ_COMMITTED_SNAPSHOT on, or PostgreSQL): ConnectWise reads do not wait for an apply.'
      : 'READ_COMMITTED_SNAPSHOT is off: ConnectWise sessions reading a row an apply has changed wait until it commits.',
  );
  lines.push(...privilegeLines(report));
  lines.push(problems.length ? 'Applies are blocked (below).' : 'All jobs can run.');
  return lines.join('\n');
}
