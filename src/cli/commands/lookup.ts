import { Argument, Command } from 'commander';
import { layoutOf, lookupLevels, lookupStatuses, lookupTypes } from '../../lookup/lookup.js';
import { cliContext, withCommonOptions, type CommonOptions } from '../shared/context.js';
import type { CliDeps } from '../shared/io.js';
import { textTable } from '../shared/text-table.js';

/** `lookup statuses|types|levels [--json]`: the RecIDs of this ConnectWise instance, without SSMS. */
export function lookupCommand(deps: CliDeps): Command {
  return withCommonOptions(new Command('lookup').description('list the company statuses, company types or portal levels of this database, with counts'))
    .addArgument(new Argument('<what>', 'what to list').choices(['statuses', 'types', 'levels']))
    .option('--json', 'print JSON')
    .action(async (what: 'statuses' | 'types' | 'levels', options: CommonOptions & { json?: boolean }) => {
      const ctx = cliContext(options, deps);
      const schema = ctx.loaded.config.journalSchema;
      const text = await ctx.usingDatabase(async (handle) => {
        const layout = await layoutOf(handle, schema);
        if (what === 'statuses') {
          const rows = await lookupStatuses(handle.db);
          if (options.json) return JSON.stringify(rows);
          return textTable(
            ['RecID', 'Description', 'ConnectWise says', 'companies', 'contacts'],
            rows.map((r) => [String(r.recId), r.description ?? '', r.inactive === null ? 'unknown' : r.inactive ? 'inactive' : 'active', String(r.companies), String(r.contacts)]),
            { rule: true },
          ).join('\n');
        }
        if (what === 'types') {
          const rows = await lookupTypes(handle.db, layout);
          if (options.json) return JSON.stringify(rows);
          return [
            ...textTable(['RecID', 'Description', 'companies', 'contacts'], rows.map((r) => [String(r.recId), r.description ?? '', String(r.companies), String(r.contacts)]), { rule: true }),
            layout === 'many-to-many' ? '(counted through dbo.Company_Company_Type: a company with several types, and its contacts, count once per type)' : '',
          ].join('\n').trimEnd();
        }
        const levels = await lookupLevels(handle.db);
        if (options.json) return JSON.stringify(levels);
        return [
          ...textTable(['level', 'name', 'companies', 'contacts'], levels.levels.map((l) => [l.level === null ? 'NULL' : String(l.level), l.name ?? '', String(l.companies), String(l.contacts)]), { rule: true }),
          '(companies: those with at least one contact at the level)',
          levels.source ? `Names from ${levels.source}.` : 'This database keeps no names for the levels: they are in ConnectWise under Setup Tables > Portal Security (0 means no access).',
        ].join('\n');
      });
      deps.io.stdout.write(`${text}\n`);
    });
}
