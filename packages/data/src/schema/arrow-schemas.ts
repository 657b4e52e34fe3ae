// The Arrow layout of a converted dataset, defined once: every writer builds these schemas
// and every reader checks files against them, so a wrong file fails naming file and column.
import {
  Bool,
  type DataType,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int16,
  Int32,
  List,
  Schema,
  Utf8,
} from 'apache-arrow';
import { UserError } from '../errors/user-error.js';

/** File names inside a dataset folder. */
export const DATASET_FILES = {
  manifest: 'manifest.json',
  items: 'items.arrow',
  users: 'users.arrow',
  interactions: 'interactions.arrow',
  requests: 'requests.arrow',
  codes: 'codes.arrow',
  clickModel: 'click_model.json',
} as const;

export interface ColumnSpec {
  name: string;
  type: DataType;
  nullable: boolean;
}

function col(name: string, type: DataType, nullable = false): ColumnSpec {
  return { name, type, nullable };
}

const listOf = (type: DataType): List => new List(new Field('item', type, false));

/** items.arrow: one row per dense item id, in id order. */
export const ITEM_COLUMNS: readonly ColumnSpec[] = [
  col('item', new Int32()),
  col('raw_id', new Utf8()),
  col('title', new Utf8(), true),
  col('categories', listOf(new Utf8())),
  col('year', new Int32(), true),
  col('popularity', new Int32()),
  col('cold', new Bool()),
];

/**
 * users.arrow: `user`, `raw_id`, then one nullable column per attribute (Utf8 or Float64,
 * whichever the values are), named `attr_<name>` so attributes never clash with the fixed columns.
 */
export const USER_COLUMNS: readonly ColumnSpec[] = [col('user', new Int32()), col('raw_id', new Utf8())];
export const USER_ATTRIBUTE_PREFIX = 'attr_';
export const USER_ATTRIBUTE_TYPES: readonly DataType[] = [new Utf8(), new Float64()];

/** interactions.arrow: sorted by user, then time; `ts` in Unix seconds. */
export const INTERACTION_COLUMNS: readonly ColumnSpec[] = [
  col('user', new Int32()),
  col('item', new Int32()),
  col('rating', new Float32()),
  col('ts', new Float64()),
];

/** requests.arrow: one reranking request per row; lists aligned with `candidates`. */
export const REQUEST_COLUMNS: readonly ColumnSpec[] = [
  col('request', new Int32()),
  col('user', new Int32()),
  col('split', new Utf8()),
  col('cold_start', new Bool()),
  col('ts', new Float64()),
  col('history', listOf(new Int32())),
  col('candidates', listOf(new Int32())),
  col('labels', listOf(new Float32())),
  col('initial_scores', listOf(new Float32())),
  // Indices into `candidates` of the logged slate, in shown order (not aligned with candidates).
  col('exposed', listOf(new Int32())),
];

/** codes.arrow (tokenizer output): the semantic ID of each item, `levels` tokens. */
export function codeColumns(levels: number): readonly ColumnSpec[] {
  return [
    col('item', new Int32()),
    col('codes', new FixedSizeList(levels, new Field('code', new Int16(), false))),
  ];
}

/** codebooks.arrow (tokenizer output): one row per (level, code), its item count and centroid. */
export function codebookColumns(dims: number): readonly ColumnSpec[] {
  return [
    col('level', new Int16()),
    col('code', new Int16()),
    col('items', new Int32()),
    col('centroid', new FixedSizeList(dims, new Field('value', new Float32(), false))),
  ];
}

/**
 * results.arrow of an experiment: long format, one row per (subset, method, metric), NaN where
 * a value is undefined (one seed, no paired baseline); the tables' context is schema metadata.
 */
export const RESULTS_COLUMNS: readonly ColumnSpec[] = [
  col('dataset', new Utf8()),
  col('subset', new Utf8()),
  col('method', new Utf8()),
  col('baseline', new Bool()),
  col('metric', new Utf8()),
  col('mean', new Float64()),
  col('half_width', new Float64()),
  col('std', new Float64()),
  col('seeds', new Int32()),
  col('diff_mean', new Float64()),
  col('diff_half_width', new Float64()),
  col('wall_seconds', new Float64()),
  col('backend', new Utf8()),
];

export function schemaOf(columns: readonly ColumnSpec[]): Schema {
  return new Schema(columns.map((c) => new Field(c.name, c.type, c.nullable)));
}

export const ITEMS_SCHEMA = schemaOf(ITEM_COLUMNS);
export const INTERACTIONS_SCHEMA = schemaOf(INTERACTION_COLUMNS);
export const REQUESTS_SCHEMA = schemaOf(REQUEST_COLUMNS);

/** Type name without child-field names, so files written by other Arrow libraries compare equal. */
export function typeName(type: DataType): string {
  return String(type);
}

/**
 * Check that `schema` (read from `file`) has every expected column with the expected type.
 * Extra columns are allowed only when `allowExtra` says so.
 */
export function checkColumns(
  file: string,
  schema: Schema,
  expected: readonly ColumnSpec[],
  options: { allowExtra?: (field: Field) => string | null } = {},
): void {
  const byName = new Map(schema.fields.map((f) => [f.name, f]));
  for (const spec of expected) {
    const field = byName.get(spec.name);
    if (!field) {
      throw new UserError(
        `missing column (expected ${typeName(spec.type)}; file has ${schema.fields.map((f) => f.name).join(', ') || 'no columns'})`,
        { file, field: spec.name },
      );
    }
    if (typeName(field.type) !== typeName(spec.type)) {
      throw new UserError(`column has type ${typeName(field.type)}, expected ${typeName(spec.type)}`, {
        file,
        field: spec.name,
      });
    }
  }
  const known = new Set(expected.map((c) => c.name));
  for (const field of schema.fields) {
    if (known.has(field.name)) continue;
    const problem = options.allowExtra ? options.allowExtra(field) : 'unexpected column';
    if (problem !== null) throw new UserError(problem, { file, field: field.name });
  }
}

/** Extra-column policy of users.arrow: `attr_*` columns of an attribute type. */
export function userAttributeColumnProblem(field: Field): string | null {
  if (!field.name.startsWith(USER_ATTRIBUTE_PREFIX)) {
    return `unexpected column (user attributes must be named ${USER_ATTRIBUTE_PREFIX}<name>)`;
  }
  const ok = USER_ATTRIBUTE_TYPES.some((t) => typeName(t) === typeName(field.type));
  return ok ? null : `attribute column has type ${typeName(field.type)}, expected Utf8 or Float64`;
}
