/**
 * The ConnectWise schema layouts cw-maint knows: a closed set. Code that builds SQL per layout
 * takes a `Record<Layout, …>` or switches with `assertNever`, so a third layout cannot silently
 * get another layout's SQL: it does not compile until every such place handles it.
 */
export const LAYOUTS = ['legacy', 'many-to-many'] as const;
export type Layout = (typeof LAYOUTS)[number];

/** The ConnectWise tables cw-maint reads or writes, and nothing else: the catalog is read for these only. */
export const CONNECTWISE_TABLES = ['dbo.Contact', 'dbo.Company', 'dbo.Company_Status', 'dbo.Company_Type', 'dbo.Company_Company_Type'] as const;
export type ConnectWiseTable = (typeof CONNECTWISE_TABLES)[number];

/** "dbo.Contact.Disable_Flag": a ConnectWise column as the job files and the schema contract name it. */
export type ColumnRef = `${ConnectWiseTable}.${string}`;

export function splitColumnRef(ref: ColumnRef): { table: ConnectWiseTable; column: string } {
  const at = ref.lastIndexOf('.');
  return { table: ref.slice(0, at) as ConnectWiseTable, column: ref.slice(at + 1) };
}

export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${String(value)}`);
}
