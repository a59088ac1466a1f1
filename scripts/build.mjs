// Builds dist/cw-maint.mjs: the CLI bundled into one ES module, so
// the program starts without transpiling TypeScript at run time. Runs at `npm ci` (prepare), before
// the tests (pretest) and before `npm pack` (prepack: the package ships the bundle); esbuild is a
// runtime dependency, so `npm ci --omit=dev` builds too.
// bin/cw-maint.js falls back to running the sources when the bundle is missing or older than them.
import { build } from 'esbuild';
import { sourceFingerprint } from '../bin/source-fingerprint.mjs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/cw-maint.mjs`;
const temporaryDir = `${root}dist/.build-${process.pid}`;
const temporary = `${temporaryDir}/cw-maint.mjs`;
await build({
  entryPoints: [`${root}src/cli/main.ts`],
  outfile: temporary,
  bundle: true,
  // Pure-JavaScript dependencies are bundled too (one file loads faster than hundreds); drivers
  // and packages that load files or workers of their own at run time stay external, and so does
  // nodemailer, imported only when an e-mail is sent.
  external: ['tedious', 'tarn', 'pg', '@electric-sql/pglite', 'kysely-pglite-dialect', 'pino', 'pino-pretty', 'nodemailer'],
  // jsonc-parser's CommonJS build requires its parts by computed paths, which a bundle cannot hold; its ES build is plain imports.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  // CommonJS dependencies (commander, ...) call require(); give the ES module one.
  banner: { js: "import { createRequire as __cwCreateRequire } from 'node:module'; const require = __cwCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
// The fingerprint of the sources it was built from: bin/cw-maint.js compares it when a source looks
// newer than the bundle (an unpacked package's files carry the times of their unpacking).
await writeFile(`${temporaryDir}/sources.json`, `${JSON.stringify({ sha256: sourceFingerprint(root) })}\n`);
await rename(`${temporaryDir}/sources.json`, `${root}dist/cw-maint.sources.json`);
// Atomic: a process starting meanwhile sees the old bundle or the new one, never half of one.
await rename(`${temporary}.map`, `${out}.map`);
await rename(temporary, out);
await rm(temporaryDir, { recursive: true, force: true });
