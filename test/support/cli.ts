import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { JOBS } from '../../jobs/index.js';
import type { CliIo, CliSeams } from '../../src/cli/shared/io.js';
import { main } from '../../src/cli/program.js';
import type { AnyJob } from '../../src/vocabulary/job-definition.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI as a service or cron runs it (`node bin/cw-maint.js ...`) in a child process. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, options: { cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return runScript('bin/cw-maint.js', args, env, options);
}

/**
 * Starts a project script as one process (node with tsx as a loader, so a signal reaches the
 * script itself), in a clean environment: only what the test gives (dotenv never overrides a
 * variable that is set).
 */
export function spawnScript(script: string, args: string[], env: Record<string, string | undefined> = {}, cwd = ROOT) {
  // The bin runs plain JavaScript (it finds the bundle or the sources itself); TypeScript scripts go through tsx.
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return spawn(process.execPath, [...loader, `${ROOT}/${script}`, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', CW_DB_URL: '', ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runScript(
  script: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnScript(script, args, env, options.cwd);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The CLI in-process: the same `main` the entry point calls, with the real job registry, a clean
 * environment and captured output. For everything but exit-by-signal and the README's commands,
 * this is the CLI without a process start (about 1.5 s each).
 */
export async function runCliInProcess(
  args: string[],
  env: Record<string, string | undefined> = {},
  options: { stdin?: NodeJS.ReadableStream & { isTTY?: boolean }; jobs?: readonly AnyJob[]; seams?: CliSeams } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: options.stdin ?? Readable.from([]),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', CW_DB_URL: '', ...env } as NodeJS.ProcessEnv,
  };
  const code = await main(['node', 'cw-maint', ...args], options.jobs ?? JOBS, io, options.seams);
  return { code, stdout, stderr };
}

/** `npm <args>` in the repository, as a DBA types it (README commands, flags npm may swallow). */
export function runNpm(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', CW_DB_URL: '', ...env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Any command in a folder, with a clean environment (PATH, HOME and what the test gives). */
export function runCommand(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
