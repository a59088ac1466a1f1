import { describe, expect, it } from 'vitest';
import { JOBS } from '../../jobs/index.js';
import { RUN_OUTCOME_COLUMNS } from '../../src/preflight/privileges/declared-needs.js';
import { grantsScript } from '../../src/preflight/privileges/grants-script.js';
import { grantsWithoutDatabase } from '../../src/preflight/grants.js';
import { runCliInProcess } from '../support/cli.js';
import { privilegeNeeds } from '../../src/preflight/privileges/needs.js';

const request = { jobs: JOBS, login: 'cw_maint', journalSchema: 'cw_maint' };

/** "GRANT UPDATE ([a], [b]) ON [x].[y]" -> { privilege, columns, table } */
function grantsOf(script: string) {
  return script
    .split('\n')
    .filter((l) => /\bGRANT /.test(l) && !l.startsWith('--') && !l.includes('GRANT USAGE'))
    .map((l) => {
      const m = /GRANT (\w+)(?: \(([^)]*)\))? ON (?:SCHEMA::)?([^ ]+) TO/.exec(l.replace(/^.*EXECUTE '/, '').replace(/''/g, "'"))!;
      return { privilege: m[1]!, columns: (m[2] ?? '').split(',').map((c) => c.trim().replace(/[[\]"]/g, '')).filter(Boolean), table: m[3]!.replace(/[[\]"]/g, '') };
    });
}

describe('the grants script', () => {
  for (const engine of ['mssql', 'postgres'] as const) {
    it(`${engine}: every GRANT has a comment naming who needs it; UPDATE only on the written and audit columns and the run outcome; no DELETE, no DDL`, () => {
      const script = grantsWithoutDatabase(engine, request);
      const lines = script.split('\n');
      lines.forEach((line, i) => {
        if (/^(IF |DO |GRANT )/.test(line) && line.includes('GRANT ') && !line.includes('USAGE')) expect(lines[i - 1], line).toMatch(/^-- \S/);
      });
      const grants = grantsOf(script);
      expect(grants.map((g) => g.privilege).filter((p) => !['SELECT', 'INSERT', 'UPDATE', 'USAGE'].includes(p))).toEqual([]);
      const updates = grants.filter((g) => g.privilege === 'UPDATE');
      for (const g of updates) expect(g.columns.length, `${g.table}: UPDATE is column-level only`).toBeGreaterThan(0);
      const columnsOf = (table: string) => updates.filter((g) => g.table === table).flatMap((g) => g.columns).sort();
      expect(columnsOf('dbo.Contact')).toEqual(['Disable_Flag', 'Last_Update', 'Last_Update_UTC', 'Portal_Security_Level', 'Updated_By']);
      expect(columnsOf('cw_maint.run')).toEqual([...RUN_OUTCOME_COLUMNS].sort());
      // The journal is INSERT-only: no UPDATE on any of its columns.
      expect(columnsOf('cw_maint.journal')).toEqual([]);
      expect(grants.filter((g) => g.privilege === 'INSERT').map((g) => g.table).sort()).toEqual(['cw_maint.journal', 'cw_maint.run']);
      expect(script).not.toMatch(/GRANT (DELETE|ALTER|CONTROL|CREATE|REFERENCES|EXECUTE)/);
    });
  }

  it('is derived from the job files: a job that writes Disable_Flag is named on that grant, not on Portal_Security_Level', () => {
    const revoke = JOBS.find((j) => j.name === 'revoke-inactive')!;
    const needs = privilegeNeeds({ jobs: [revoke], layout: 'legacy', auditColumns: [], journalSchema: 'cw_maint' });
    const contactUpdates = needs.filter((n) => n.table === 'dbo.Contact' && n.privilege === 'UPDATE');
    expect(contactUpdates.find((n) => n.column === 'Disable_Flag')!.neededBy).toEqual(['revoke-inactive', 'undo of a Disable_Flag change']);
    expect(contactUpdates.find((n) => n.column === 'Portal_Security_Level')!.neededBy).toEqual(['undo of a Portal_Security_Level change']);
    // Legacy layout: no link table; no audit columns: no stamps to write.
    expect(needs.some((n) => n.table === 'dbo.Company_Company_Type')).toBe(false);
    expect(needs.some((n) => n.table === 'cw_maint.journal' && n.privilege === 'UPDATE')).toBe(false);
    const script = grantsScript({ login: 'cw_maint', journalSchema: 'cw_maint', jobNames: ['revoke-inactive'], engine: 'postgres', needs, conditional: false, source: 'test' });
    expect(script).not.toContain('Company_Company_Type');
  });

  it('a Windows login on SQL Server is created FROM WINDOWS, with no password', () => {
    const script = grantsWithoutDatabase('mssql', { ...request, login: 'CORP\\cw_maint' });
    expect(script).toContain('CREATE LOGIN [CORP\\cw_maint] FROM WINDOWS;');
    expect(script).not.toContain('PASSWORD');
  });
});

describe('grants and migrate --print-sql on the command line', () => {
  it('bad input exits 2 with one clear line and prints no script', async () => {
    const cases: Array<[string[], string]> = [
      [['grants'], 'grants needs CW_DB_URL'],
      [['grants', '--engine', 'mssql', '--login', 'x;drop'], 'is not a login name'],
      [['grants', '--engine', 'postgres', '--login', 'CORP\\x'], 'PostgreSQL has none'],
      [['grants', '--engine', 'oracle'], 'Allowed choices are mssql, postgres'],
      [['migrate', '--print-sql'], 'needs --engine mssql|postgres'],
    ];
    for (const [args, message] of cases) {
      const r = await runCliInProcess(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stdout).toBe('');
    }
  });
});
