// Writes sql/compiled/<job>.sql: the T-SQL each job runs, for a DBA to read.
import { writeFileSync } from 'node:fs';
import { JOBS } from '../jobs/index.js';
import { renderCompiledSql } from '../src/compiled-sql/render-compiled-sql.js';

for (const job of JOBS) {
  const path = new URL(`../sql/compiled/${job.name}.sql`, import.meta.url);
  writeFileSync(path, renderCompiledSql(job));
  process.stdout.write(`wrote sql/compiled/${job.name}.sql\n`);
}
