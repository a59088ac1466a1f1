import type { ColumnRef, Layout } from '../db/model/layout.js';
import type { AnyJob } from './job-definition.js';

/** What the runner itself reads for every job: the plan's preview rows and the --report rows. */
export const RUNNER_READS: readonly ColumnRef[] = [
  'dbo.Contact.Contact_RecID',
  'dbo.Contact.First_Name',
  'dbo.Contact.Last_Name',
  'dbo.Contact.Company_RecID',
  'dbo.Company.Company_RecID',
  'dbo.Company.Company_ID',
  'dbo.Company.Company_Name',
];

/**
 * Every ConnectWise column a job needs on a layout, derived from its file: its reads, the column
 * it writes, and the columns its parameters' values are checked against.
 * The schema check (and the SQL login's grants) come from this, never from a hand-kept list.
 */
export function jobColumns(job: AnyJob, layout: Layout): ColumnRef[] {
  const columns = new Set<ColumnRef>([...RUNNER_READS, ...job.reads[layout], `dbo.Contact.${job.writes}`]);
  for (const spec of Object.values(job.params)) {
    const check = spec.mustExistIn;
    if (check) columns.add(`${check.table}.${check.column}`).add(`${check.table}.${check.label}`);
  }
  // A guard's columns are not required: where one is missing, the guard is skipped with a warning.
  return [...columns];
}

export function requirementsOf(jobs: readonly AnyJob[]) {
  return (layout: Layout) => new Map(jobs.map((job) => [job.name, jobColumns(job, layout)]));
}
