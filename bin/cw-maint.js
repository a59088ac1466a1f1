#!/usr/bin/env node
// cw-maint without npm in between: signals reach this process directly (a service manager's
// SIGTERM, Ctrl-C), and no npm option can swallow a flag. `npm run job -- ...` runs the same code.
// It runs the bundle built at install (dist/cw-maint.mjs, fast to start), or the TypeScript
// sources through tsx when the bundle is missing or older than them (a developer's edit).
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = `${root}dist/cw-maint.mjs`;

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

let built = 0;
try {
  built = statSync(bundle).mtimeMs;
} catch {
  // not built
}
const sources = Math.max(...['src', 'jobs', 'migrations-check'].map((dir) => newestSource(`${root}${dir}`)));
if (built >= sources) {
  await import(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
