import { statSync } from 'node:fs';

export { connectionNotices, connectionWarnings } from './connection-spec.js';

/**
 * Files holding the password or the configuration that other users of this machine can read
 * (group or other read bits). POSIX only: Windows has no mode bits (ACLs decide there).
 */
export function readableByOthers(paths: ReadonlyArray<string | undefined>, platform = process.platform): string[] {
  if (platform === 'win32') return [];
  const warnings: string[] = [];
  for (const path of paths) {
    if (!path) continue;
    let mode: number;
    try {
      mode = statSync(path).mode;
    } catch {
      continue;
    }
    if (mode & 0o044) {
      warnings.push(`${path} can be read by other users of this machine (mode ${(mode & 0o777).toString(8)}); it may hold secrets (CW_DB_URL holds the database password). Run: chmod 600 ${path}`);
    }
  }
  return warnings;
}
