#!/usr/bin/env node
// cw-maint without npm in between: signals reach this process directly (a service manager's
// SIGTERM, Ctrl-C), and no npm option can swallow a flag. `npm run job -- ...` runs the same code.
// It runs the bundle (dist/cw-maint.mjs, fast to start: built by `npm ci` in a clone, shipped in
// the package), or the TypeScript sources through tsx when the bundle is missing or was built from
// other sources (a developer's edit). Modification times decide quickly; when a source looks newer
// (an unpacked package has the times of its unpacking), the sources' fingerprint, recorded by the
// build, decides. An installed package says so on stderr when it cannot use its bundle.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sourceFiles, sourceFingerprint } from './source-fingerprint.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = `${root}dist/cw-maint.mjs`;
const sources = sourceFiles(root);
let built = 0;
try {
  built = statSync(bundle).mtimeMs;
} catch {
  // not built
}
const newest = Math.max(...sources.map((file) => statSync(file).mtimeMs));

/** The sources are those the bundle was built from (scripts/build.mjs records their fingerprint). */
function builtFromTheseSources() {
  try {
    const recorded = JSON.parse(readFileSync(`${root}dist/cw-maint.sources.json`, 'utf8')).sha256;
    return sourceFingerprint(root, sources) === recorded;
  } catch {
    return false;
  }
}

if (built && (built >= newest || builtFromTheseSources())) {
  await import(bundle);
} else {
  if (!existsSync(`${root}.git`)) {
    process.stderr.write(
      `cw-maint: warning: ${built ? 'the bundle dist/cw-maint.mjs is older than the sources' : 'dist/cw-maint.mjs is missing'}; ` +
        `running the sources through tsx, which starts slower. Rebuild it: cd ${root} && npm run build\n`,
    );
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
