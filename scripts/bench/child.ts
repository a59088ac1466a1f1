// A measured child process: its wall time from spawn to exit and its peak RSS (the kernel's
// figure, printed by scripts/max-rss.mjs preloaded into it). Running children are killed on Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const running = new Set<ChildProcess>();

export interface ChildRun {
  ms: number;
  rssKB: number;
  stdout: string;
  stderr: string;
}

/** `node [--import max-rss.mjs] ...args`; a non-zero exit or a missing RSS line is an error. */
export function runNode(args: string[], env: Record<string, string> = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', `${ROOT}scripts/max-rss.mjs`, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      running.delete(child);
      const rss = /maxRSS_KB=(\d+)/.exec(stderr);
      if (code !== 0 || !rss) reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.replace(/\s*maxRSS_KB=\d+\s*/, ' ').trim().slice(0, 500)}`));
      else resolve({ ms, rssKB: Number(rss[1]), stdout, stderr });
    });
  });
}

/** cw-maint itself, through its direct entry (the bin, not npm). */
export function runCwMaint(args: string[], env: Record<string, string> = {}): Promise<ChildRun> {
  return runNode([`${ROOT}bin/cw-maint.js`, ...args], env);
}

export function killChildren(): void {
  for (const child of running) child.kill('SIGKILL');
}
