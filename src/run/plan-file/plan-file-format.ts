import { createHash } from 'node:crypto';
import { z } from 'zod';
/** SQL's int, both engines: a RecID or a value outside it is no row of ours. */
const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;
import { UsageError } from '../../errors.js';

/**
 * A saved plan (plan --out, apply FILE): JSON Lines, a header line and then one line per row. The
 * digest is the SHA-256 of the file's exact bytes, and the database records it when the plan is
 * written: a hash inside the file alone would only catch accidental edits, since anyone can
 * recompute it. No names, no connection string, user or URL: the list a board reads is a
 * --report made from the same plan.
 */
export const PLAN_FORMAT_VERSION = 1;

const int = z.number().int().min(INT_MIN).max(INT_MAX);
const text = (max: number) => z.string().max(max);

const identitySchema = z.strictObject({
  server: text(300).nullable(),
  port: z.number().int().min(0).max(65535).nullable(),
  database: text(300),
  created: text(40).nullable(),
  uniqueId: text(100).nullable(),
});

const jobSchema = z.strictObject({
  job: text(100),
  /** SHA-256 of the job's compiled target statement with these parameters. */
  sql: z.string().regex(/^[0-9a-f]{64}$/),
  params: z.record(z.string(), z.unknown()),
  column: text(128),
  matched: int.nonnegative(),
  changed: int.nonnegative(),
  totalContacts: int.nonnegative(),
});

export const headerSchema = z.strictObject({
  cwMaintPlan: z.number().int(),
  cwMaint: text(50),
  engine: z.enum(['postgres', 'mssql']),
  database: identitySchema,
  /** The server's clock (UTC) when the plan was made. */
  plannedAt: text(40),
  /** SHA-256 of the ConnectWise layout contract the preflight matched. */
  contract: z.string().regex(/^[0-9a-f]{64}$/),
  layout: text(50),
  ticket: text(200).nullable(),
  guards: z.strictObject({ maxChanges: int.nonnegative(), maxPercent: z.number().min(0).max(100), allowStatuses: z.array(int.positive()).max(1000) }),
  /** Audit columns in journal order (Last_Update, Last_Update_UTC, Updated_By): those this database has. */
  auditColumns: z.array(text(128)).max(3),
  jobs: z.array(jobSchema).min(1).max(50),
  rows: int.nonnegative(),
});

export const rowSchema = z.strictObject({
  job: text(100),
  id: int,
  column: text(128),
  before: int.nullable(),
  /** The audit columns as the server rendered them, in the header's auditColumns order. */
  audit: z.array(z.string().max(4000).nullable()).max(3),
  after: int.nullable(),
});

export type PlanHeader = z.infer<typeof headerSchema>;
export type PlanFileRow = z.infer<typeof rowSchema>;
export type PlanJob = z.infer<typeof jobSchema>;

export interface PlanFile {
  header: PlanHeader;
  rows: PlanFileRow[];
  /** SHA-256 of the file's bytes: what the database recorded. */
  digest: string;
}

/** One line of the file, canonical: one JSON value, "\n" at its end. */
export const planLine = (value: PlanHeader | PlanFileRow) => `${JSON.stringify(value)}\n`;

/** The file's bytes (the writer streams the same lines). */
export function planFileBytes(header: PlanHeader, rows: Iterable<PlanFileRow>): Buffer {
  return Buffer.from([header, ...rows].map(planLine).join(''), 'utf8');
}

export const digestOf = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * A plan file read back: its own shape checked line by line (exit 2 for anything malformed, with
 * the line), before anything is connected to. Whether it belongs to this database is checked later.
 */
export function parsePlanFile(bytes: Buffer, path: string): PlanFile {
  const bad = (what: string) => new UsageError(`${path}: not a plan file cw-maint can apply: ${what}`);
  const textOf = bytes.toString('utf8');
  if (!textOf.endsWith('\n')) throw bad('it does not end with a line end (cut short?)');
  // Line by line, without an array of every line: a first run's plan holds over 100,000.
  let at = 0;
  const nextLine = () => {
    const end = textOf.indexOf('\n', at);
    const line = textOf.slice(at, end);
    at = end + 1;
    return line;
  };
  const json = (line: string, n: number): unknown => {
    try {
      return JSON.parse(line);
    } catch {
      throw bad(`line ${n} is not JSON`);
    }
  };
  const first = json(nextLine(), 1) as { cwMaintPlan?: unknown };
  if (typeof first !== 'object' || first === null || !('cwMaintPlan' in first)) throw bad('line 1 is not a plan header (written by plan --out or <job> --dry-run --out)');
  if (first.cwMaintPlan !== PLAN_FORMAT_VERSION) throw bad(`format version ${JSON.stringify(first.cwMaintPlan)}, this cw-maint reads version ${PLAN_FORMAT_VERSION}`);
  const header = headerSchema.safeParse(first);
  if (!header.success) throw bad(`the header: ${issue(header.error)}`);
  const jobs = new Map(header.data.jobs.map((j) => [j.job, j]));
  if (jobs.size !== header.data.jobs.length) throw bad('a job is listed twice in the header');
  const rows: PlanFileRow[] = [];
  const seen = new Map<string, Set<number>>();
  for (let i = 1; at < textOf.length; i++) {
    const value = json(nextLine(), i + 1);
    const shapeProblem = rowProblem(value);
    if (shapeProblem !== undefined) {
      // The schema says what is wrong, in its words; the fast check only decides that something is.
      const parsed = rowSchema.safeParse(value);
      throw bad(`line ${i + 1}: ${parsed.success ? shapeProblem : issue(parsed.error)}`);
    }
    const row = value as PlanFileRow;
    const job = jobs.get(row.job);
    if (!job) throw bad(`line ${i + 1}: job ${JSON.stringify(row.job)} is not in the header`);
    if (row.column !== job.column) throw bad(`line ${i + 1}: column ${row.column}, the header says ${job.job} writes ${job.column}`);
    if (row.audit.length !== header.data.auditColumns.length) throw bad(`line ${i + 1}: ${row.audit.length} audit values, the header lists ${header.data.auditColumns.length}`);
    const ids = seen.get(row.job) ?? new Set<number>();
    if (ids.has(row.id)) throw bad(`line ${i + 1}: Contact_RecID ${row.id} is listed twice for ${row.job}`);
    const previous = rows.at(-1);
    if (previous && previous.job === row.job && previous.id > row.id) throw bad(`line ${i + 1}: rows are not in ascending Contact_RecID order`);
    ids.add(row.id);
    seen.set(row.job, ids);
    rows.push(row);
  }
  if (rows.length !== header.data.rows) throw bad(`it holds ${rows.length} rows, its header says ${header.data.rows}`);
  for (const job of header.data.jobs) {
    const count = seen.get(job.job)?.size ?? 0;
    if (count !== job.changed) throw bad(`${job.job} has ${count} rows, its header says ${job.changed}`);
  }
  return { header: header.data, rows, digest: digestOf(bytes) };
}

const ROW_KEYS = ['job', 'id', 'column', 'before', 'audit', 'after'];
const isInt = (v: unknown) => Number.isInteger(v) && (v as number) >= INT_MIN && (v as number) <= INT_MAX;

/**
 * rowSchema's rule, checked by hand: zod took over 2 s for a first run's 100,000 rows, and this
 * decides in a few ms whether a row needs the schema's message at all. undefined: the row is good.
 */
function rowProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not an object';
  const r = v as Record<string, unknown>;
  const keys = Object.keys(r);
  if (keys.length !== ROW_KEYS.length || !ROW_KEYS.every((k) => k in r)) return 'not the fields of a plan row';
  if (typeof r.job !== 'string' || r.job.length > 100 || typeof r.column !== 'string' || r.column.length > 128) return 'job or column';
  if (!isInt(r.id) || !(r.before === null || isInt(r.before)) || !(r.after === null || isInt(r.after))) return 'id, before or after out of range';
  if (!Array.isArray(r.audit) || r.audit.length > 3 || !r.audit.every((a) => a === null || (typeof a === 'string' && a.length <= 4000))) return 'audit';
  return undefined;
}

function issue(error: z.ZodError): string {
  const first = error.issues[0]!;
  return `${first.path.join('.') || 'the value'}: ${first.message}`;
}
