// A test-only process: the real command line, exactly as src/cli/main.ts runs it (the exit code is
// what main returns; a promise left pending would end it with 13, as in production), with one
// difference passed in as a seam (never an environment switch of production code): every streamed
// read comes in pages of a few rows, and after the first page the connection is broken, in
// one of two ways, before the read goes on:
// - kill: every session of the database is ended from the server's side (pg_terminate_backend,
//   KILL), as a DBA would, between two pages;
// - drop: the CLI connects through a fault-injecting TCP proxy that cuts each connection a few
//   bytes into the next page's result, so the connection is lost with a read in flight.
// It prints `test: fault at <ms since epoch>` on stderr when the fault is in place.
// TEST_STREAM_FAULT (JSON, read by this file only): { fault: 'kill' | 'drop', engine, database, pageRows }.
import { JOBS } from '../../jobs/index.js';
import { main } from '../../src/cli/program.js';
import { processIo } from '../../src/cli/shared/io.js';
import type { TestEngine } from './engines.js';
import { startFaultProxy } from './fault-proxy.js';
import { killSessions } from './server-kill.js';

/** Bytes of the next page's result that still reach the client before a dropped connection. */
const DROP_AFTER_BYTES = 40;

const { fault, engine, database, pageRows } = JSON.parse(process.env.TEST_STREAM_FAULT ?? '{}') as { fault: 'kill' | 'drop'; engine: TestEngine; database: string; pageRows: number };
const io = processIo();
const url = new URL(io.env.CW_DB_URL!);
const proxy = fault === 'drop' ? await startFaultProxy({ host: url.hostname, port: Number(url.port) }) : undefined;
if (proxy) {
  url.hostname = proxy.host;
  url.port = String(proxy.port);
  io.env = { ...io.env, CW_DB_URL: url.toString() };
}
let faulted = false;
const afterPage = async () => {
  if (faulted) return;
  faulted = true;
  const broken = proxy ? proxy.dropAfter(DROP_AFTER_BYTES) : await killSessions(engine, database);
  process.stderr.write(`test: fault at ${Date.now()} (${fault}, ${broken} connection(s))\n`);
};
try {
  process.exitCode = await main(process.argv, JOBS, io, { paging: { rows: pageRows, afterPage } });
} finally {
  await proxy?.close();
}
