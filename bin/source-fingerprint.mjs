// The fingerprint of the sources the bundle is built from: scripts/build.mjs records it beside
// the bundle, and bin/cw-maint.js compares it when a source looks newer than the bundle (an
// unpacked package's files carry the times of their unpacking). Only what the bundle is made of
// counts (TypeScript in src/ and jobs/, the schema contract's JSON), so a stray file in a folder
// (a config, an .env) does not make a bundle look stale.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

const SOURCES = [
  ['src', /\.ts$/],
  ['jobs', /\.ts$/],
  ['migrations-check', /\.json$/],
];

function files(dir, pattern) {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((entry) => (entry.isDirectory() ? files(`${dir}/${entry.name}`, pattern) : pattern.test(entry.name) ? [`${dir}/${entry.name}`] : []));
}

/** Every source file under `root` (ending in /), in a stable order. */
export function sourceFiles(root) {
  return SOURCES.flatMap(([dir, pattern]) => files(`${root}${dir}`, pattern));
}

/** SHA-256 over each source's path (relative to `root`) and contents. */
export function sourceFingerprint(root, list = sourceFiles(root)) {
  const hash = createHash('sha256');
  for (const file of list) hash.update(`${file.slice(root.length)}\0`).update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}
