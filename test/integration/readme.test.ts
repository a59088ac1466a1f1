import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../support/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The README's two commands: the first line of its first ```sh block installs and runs the demo, the second runs the tests. */
function readmeCommands(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
  return block.split('\n').filter(Boolean).map((line) => line.replace(/\s+#.*$/, '').trim());
}

const sh = (command: string, cwd: string) => runCommand('sh', ['-c', command], cwd);

describe('the README, as a new user follows it', () => {
  it('command one, exactly as written, in a fresh clone: installs, and tells the whole story on the embedded database', async () => {
    const [install, test] = readmeCommands();
    expect(install).toBe('npm ci && npm run demo');
    expect(test).toBe('npm test'); // the command that runs this test: not run from inside itself
    const clone = join(mkdtempSync(join(tmpdir(), 'cwm-readme-')), 'cw-maint');
    execFileSync('git', ['clone', '--quiet', ROOT, clone]);
    try {
      const r = await sh(install!, clone);
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
      // On a terminal both streams interleave: no run.end line ("run succeeded") may come before the plan it belongs to.
      expect(r.stderr).not.toMatch(/run succeeded|"event":"run\.end"/);
      for (const step of ['lookup statuses', 'lookup types', 'init', 'plan', 'revoke-inactive --yes --ticket DEMO-1', 'show 1 --limit 5', 'undo 1 --yes', 'history --limit 5']) {
        expect(r.stdout).toContain(`$ cw-maint ${step}\n`);
      }
      expect(r.stdout).toMatch(/2\s+Inactive\s+inactive/);
      expect(r.stdout).toContain('Next: npm run job -- plan');
      const changed = Number(/Applied: (\d+) rows changed in run 1/.exec(r.stdout)?.[1]);
      expect(changed).toBeGreaterThan(0);
      expect(r.stdout).toMatch(new RegExp(`revoke-inactive\\s+Disable_Flag\\s+\\d+\\s+${changed}\\s`)); // plan said so first
      expect(r.stdout).toContain(`Restored ${changed} rows in run 2 (undo of run 1)`);
      expect(r.stdout).toMatch(/1\s+revoke-inactive\s+apply\s+manual\s+succeeded/);
      expect(r.stdout).toMatch(/2\s+revoke-inactive\s+undo\s+manual\s+succeeded/);
      expect(r.stdout).toContain('run 1: ticket DEMO-1');
      // Any command against the same demo database, with the config init wrote: after the undo, the same rows would change again.
      const again = await sh('npm run -s demo -- revoke-inactive --dry-run --json', clone);
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout.slice(again.stdout.indexOf('{')))).toMatchObject({ changed, mode: 'dry-run' });
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  }, 180_000);
});
