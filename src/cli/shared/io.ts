import type { Paging } from '../../db/keyset-pages.js';
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
  seams?: CliSeams;
}

/** Test seams, passed in by a test's own entry point (test/support): the program never sets them, and no environment variable reaches them. */
export interface CliSeams {
  /** Smaller pages, and a pause after each, for every streamed read (src/db/keyset-pages.ts). */
  paging?: Partial<Paging>;
}
