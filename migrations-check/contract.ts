import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CONNECTWISE_TABLES, LAYOUTS, type Layout } from '../src/db/layout.js';

/**
 * The schema contract: one JSON file per ConnectWise layout we support, in ./layouts. A layout
 * describes only ConnectWise's schema (tables, columns, types, detection); which job needs which
 * column comes from the job files. The set of layouts is closed (src/db/layout.ts): every name
 * there has exactly one file here, and no file names another.
 */
export const NORMALIZED_TYPES = ['int', 'bit', 'string', 'datetime'] as const;
export type NormalizedType = (typeof NORMALIZED_TYPES)[number];

const qualifiedName = z.string().regex(/^dbo\.[A-Za-z_]+(\.[A-Za-z_]+)?$/, 'dbo.Table or dbo.Table.Column');
const columnSpec = z
  .object({
    table: z.enum(CONNECTWISE_TABLES),
    column: z.string().min(1),
    type: z.enum(NORMALIZED_TYPES),
  })
  .strict();

const layoutSchema = z
  .object({
    layout: z.enum(LAYOUTS),
    description: z.string(),
    detect: z.object({ present: z.array(qualifiedName), absent: z.array(qualifiedName) }).strict(),
    columns: z.array(columnSpec),
    optional: z.array(columnSpec.extend({ effect: z.string() })),
  })
  .strict();

export type LayoutContract = z.infer<typeof layoutSchema> & { layout: Layout };

const LAYOUT_DIR = join(dirname(fileURLToPath(import.meta.url)), 'layouts');

let cached: LayoutContract[] | undefined;

/** All layouts, in file-name order (detection takes the first whose `detect` holds). */
export function loadLayouts(dir = LAYOUT_DIR): LayoutContract[] {
  if (dir === LAYOUT_DIR && cached) return cached;
  const layouts = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const parsed = layoutSchema.safeParse(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      if (!parsed.success) {
        throw new Error(`migrations-check/layouts/${file} is not a valid layout: ${z.prettifyError(parsed.error)}`);
      }
      return parsed.data;
    });
  const names = layouts.map((l) => l.layout).sort();
  if (JSON.stringify(names) !== JSON.stringify([...LAYOUTS].sort())) {
    throw new Error(`migrations-check/layouts must hold exactly one file per layout (${LAYOUTS.join(', ')}); found ${names.join(', ') || 'none'}`);
  }
  if (dir === LAYOUT_DIR) cached = layouts;
  return layouts;
}

/** Maps an engine's INFORMATION_SCHEMA.DATA_TYPE to the contract's type names. */
const TYPE_MAP: Record<string, NormalizedType> = {
  int: 'int',
  integer: 'int',
  smallint: 'int',
  tinyint: 'int',
  bit: 'bit',
  boolean: 'bit',
  varchar: 'string',
  nvarchar: 'string',
  char: 'string',
  nchar: 'string',
  'character varying': 'string',
  character: 'string',
  text: 'string',
  ntext: 'string',
  datetime: 'datetime',
  datetime2: 'datetime',
  smalldatetime: 'datetime',
  timestamp: 'datetime',
  'timestamp without time zone': 'datetime',
};

export function normalizeType(dataType: string): NormalizedType | undefined {
  return TYPE_MAP[dataType.toLowerCase()];
}
