import type { AnyJob } from '../../vocabulary/job-definition.js';

/** Where a command line reads and writes: the process, or a test's buffers (the suite runs verbs in-process). */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/** What every verb is handed by the entry point: the job registry, the io, and where to put its exit code. */
export interface CliDeps {
  jobs: readonly AnyJob[];
  io: CliIo;
  exit(code: number): void;
}
