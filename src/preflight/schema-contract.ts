import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CONNECTWISE_TABLES, LAYOUTS, type Layout } from '../db/model/layout.js';
import legacyLayout from '../../migrations-check/layouts/legacy.json' with { type: 'json' };
import manyToManyLayout from '../../migrations-check/layouts/many-to-many.json' with { type: 'json' };

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

/**
 * One file per layout, imported (so the bundle carries them): a Record over the closed set of
 * layouts, so a layout without a file, or a file without a layout, does not compile.
 */
const LAYOUT_FILES: Record<Layout, unknown> = { legacy: legacyLayout, 'many-to-many': manyToManyLayout };

let cached: LayoutContract[] | undefined;

/** All layouts, in a fixed order (detection takes the first whose `detect` holds; they are exclusive). */
export function loadLayouts(): LayoutContract[] {
  if (cached) return cached;
  cached = LAYOUTS.map((name) => {
    const parsed = layoutSchema.safeParse(LAYOUT_FILES[name]);
    if (!parsed.success) throw new Error(`migrations-check/layouts/${name}.json is not a valid layout: ${z.prettifyError(parsed.error)}`);
    if (parsed.data.layout !== name) throw new Error(`migrations-check/layouts/${name}.json says it is layout "${parsed.data.layout}"`);
    return parsed.data;
  });
  return cached;
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

/** SHA-256 of a layout's contract as this build holds it: a saved plan applies only under the same one. */
export function contractHash(layout: Layout): string {
  const contract = loadLayouts().find((c) => c.layout === layout);
  return createHash('sha256').update(JSON.stringify(contract ?? null)).digest('hex');
}
