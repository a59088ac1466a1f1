import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConnectionSpec } from '../../src/config/connection-spec.js';
import { usingDatabase } from '../../src/db/connect.js';
import { seedConnectWise } from '../../src/fixture/generate.js';
import { runCommand } from '../support/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const run = runCommand;

/**
 * The package as npm ships it. It is packed from a copy of the tracked files with a DBA's own
 * files planted beside them (a config, a database owner's .env), as in the trial that found them
 * in the tarball; then installed into an empty folder from npm's cache, as a DBA would install it.
 */
describe('the package', () => {
  it('holds no config or env file, ships its bundle, installs offline from the cache, and runs --help and a dry run on the embedded database', async () => {
    const work = mkdtempSync(join(tmpdir(), 'cwm-pack-'));
    const copy = join(work, 'cw-maint');
    try {
      // The files git tracks, and new ones it does not ignore (work in progress), as in the working tree.
      for (const file of execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean)) {
        mkdirSync(dirname(join(copy, file)), { recursive: true });
        cpSync(join(ROOT, file), join(copy, file));
      }
      symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
      for (const planted of ['cw-maint.config.json', '.env', '.env.owner', 'src/cw-maint.config.json', 'src/.env.local', 'jobs/.env']) {
        writeFileSync(join(copy, planted), 'CW_DB_URL=mssql://owner:PLANTED-SECRET@sql/cw\n');
      }
      const packed = await run('npm', ['pack', '--json', '--pack-destination', work], copy);
      expect(packed.code, packed.stderr.slice(-2000)).toBe(0);
      const { filename, files } = (JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>)[0]!;
      const paths = files.map((f) => f.path);
      expect(paths.filter((p) => /(^|\/)(cw-maint\.config\.json|\.env(?!\.example$)[^/]*)$/.test(p))).toEqual([]);
      expect(paths).toEqual(expect.arrayContaining(['bin/cw-maint.js', 'dist/cw-maint.mjs', 'dist/cw-maint.sources.json', 'src/cli/main.ts', 'cw-maint.config.example.json', '.env.example', 'README.md']));
      expect(paths.filter((p) => /^(test|bench|\.ci|scripts\/(?!build\.mjs))\//.test(p))).toEqual([]);
      const tarball = join(work, filename);
      expect(execFileSync('tar', ['-xOzf', tarball], { encoding: 'latin1', maxBuffer: 64 * 1024 * 1024 })).not.toContain('PLANTED-SECRET');

      const app = join(work, 'app');
      mkdirSync(app);
      writeFileSync(join(app, 'package.json'), '{ "name": "dba-tools", "version": "1.0.0", "private": true }\n');
      const installed = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], app);
      expect(installed.code, installed.stderr.slice(-2000)).toBe(0);
      const bin = join(app, 'node_modules', '.bin', 'cw-maint');

      const help = await run(bin, ['--help'], app);
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toContain('revoke-inactive');
      expect(help.stderr).toBe(''); // the shipped bundle ran: no warning about sources

      const db = join(work, 'demo-db');
      await usingDatabase(parseConnectionSpec(`pglite:${db}`), ({ db: kysely, adapter }) => seedConnectWise(kysely, adapter, { layout: 'legacy', companies: 30, contactsPerCompany: 3, seed: 7 }));
      const dry = await run(bin, ['revoke-inactive', '--types', '1,9', '--statuses', '2,7', '--dry-run', '--json'], app, { CW_DB_URL: `pglite:${db}` });
      expect(dry.code, dry.stderr).toBe(0);
      expect(JSON.parse(dry.stdout)).toMatchObject({ job: 'revoke-inactive', mode: 'dry-run', outcome: 'succeeded' });

      // A source edited after the build: the installed command says its bundle is older, and still runs.
      appendFileSync(join(app, 'node_modules', 'cw-maint', 'src', 'version.ts'), '\n// edited\n');
      const stale = await run(bin, ['--version'], app);
      expect(stale.code, stale.stderr).toBe(0);
      expect(stale.stderr).toContain('cw-maint: warning: the bundle dist/cw-maint.mjs is older than the sources; running the sources through tsx');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 240_000);
});
