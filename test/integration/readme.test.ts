import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The README's two commands: the first line of its first ```sh block installs and runs the demo, the second runs the tests. */
function readmeCommands(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
  return block.split('\n').filter(Boolean).map((line) => line.replace(/\s+#.*$/, '').trim());
}

function sh(command: string, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

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
