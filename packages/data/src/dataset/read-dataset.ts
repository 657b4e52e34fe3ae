// Read a dataset folder back into memory, checking every file's columns against the one
// schema definition and the row counts against the manifest, so a wrong file fails clearly.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  readArrowTable,
  readBool,
  readFloat32,
  readFloat64,
  readInt32,
  readNullable,
  readNumericList,
  readStringLists,
  readStrings,
} from '../arrow/read-columns.js';
import { UserError } from '../errors/user-error.js';
import { readJsonFile } from '../io/json-file.js';
import {
  type ColumnSpec,
  checkColumns,
  DATASET_FILES,
  INTERACTION_COLUMNS,
  ITEM_COLUMNS,
  REQUEST_COLUMNS,
  USER_ATTRIBUTE_PREFIX,
  USER_COLUMNS,
  userAttributeColumnProblem,
} from '../schema/arrow-schemas.js';
import type {
  DatasetManifest,
  InteractionTable,
  ItemTable,
  LoadedDataset,
  RerankRequest,
  Split,
  UserTable,
} from '../schema/types.js';

const SPLITS: readonly Split[] = ['train', 'valid', 'test'];

export async function readManifest(dir: string): Promise<DatasetManifest> {
  const file = path.join(dir, DATASET_FILES.manifest);
  const m = await readJsonFile(file, 'missing (is this a glorank dataset folder?)');
  const obj = m as Record<string, unknown>;
  for (const key of ['name', 'sourceFormat', 'protocol', 'rows', 'contentHash'] as const) {
    if (typeof obj !== 'object' || obj === null || !(key in obj)) {
      throw new UserError('missing manifest field', { file, field: key });
    }
  }
  return m as DatasetManifest;
}

function checkRows(file: string, actual: number, expected: number | undefined): void {
  if (expected !== undefined && actual !== expected) {
    throw new UserError(`has ${actual} rows but manifest.json says ${expected}`, { file });
  }
}

function checkIdRange(file: string, field: string, ids: Int32Array, limit: number, what: string): void {
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i] as number;
    if (v < 0 || v >= limit) {
      throw new UserError(`row ${i} refers to ${what} ${v}, outside [0, ${limit})`, { file, field });
    }
  }
}

function checkDenseIds(file: string, field: string, ids: Int32Array): void {
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] !== i)
      throw new UserError(`row ${i} has id ${ids[i]}, expected dense ids 0..n-1`, { file, field });
  }
}

/** Open one Arrow file of the dataset, its columns checked against the schema and its row count against the manifest. */
async function openTable(
  dir: string,
  name: 'items' | 'users' | 'interactions' | 'requests',
  columns: readonly ColumnSpec[],
  expectedRows: number | undefined,
  checks: Parameters<typeof checkColumns>[3] = {},
) {
  const file = path.join(dir, DATASET_FILES[name]);
  const t = await readArrowTable(file);
  checkColumns(file, t.schema, columns, checks);
  checkRows(file, t.numRows, expectedRows);
  return { file, t };
}

async function readItems(dir: string, expectedRows?: number): Promise<ItemTable> {
  const { file, t } = await openTable(dir, 'items', ITEM_COLUMNS, expectedRows);
  checkDenseIds(file, 'item', readInt32(file, t, 'item'));
  return {
    count: t.numRows,
    rawId: readStrings(file, t, 'raw_id'),
    title: readNullable<string>(t, 'title'),
    categories: readStringLists(file, t, 'categories'),
    year: readNullable<number>(t, 'year'),
    popularity: readInt32(file, t, 'popularity'),
    cold: readBool(file, t, 'cold'),
  };
}

async function readUsers(dir: string, expectedRows?: number): Promise<UserTable> {
  const { file, t } = await openTable(dir, 'users', USER_COLUMNS, expectedRows, {
    allowExtra: userAttributeColumnProblem,
  });
  checkDenseIds(file, 'user', readInt32(file, t, 'user'));
  const attributes: UserTable['attributes'] = {};
  for (const field of t.schema.fields) {
    if (!field.name.startsWith(USER_ATTRIBUTE_PREFIX)) continue;
    attributes[field.name.slice(USER_ATTRIBUTE_PREFIX.length)] = readNullable<string | number>(t, field.name);
  }
  return { count: t.numRows, rawId: readStrings(file, t, 'raw_id'), attributes };
}

async function readInteractions(
  dir: string,
  users: number,
  items: number,
  expectedRows?: number,
): Promise<InteractionTable> {
  const { file, t } = await openTable(dir, 'interactions', INTERACTION_COLUMNS, expectedRows);
  const user = readInt32(file, t, 'user');
  const item = readInt32(file, t, 'item');
  checkIdRange(file, 'user', user, users, 'user');
  checkIdRange(file, 'item', item, items, 'item');
  return {
    count: t.numRows,
    user,
    item,
    rating: readFloat32(file, t, 'rating'),
    ts: readFloat64(file, t, 'ts'),
  };
}

async function readRequests(
  dir: string,
  users: number,
  items: number,
  expectedRows?: number,
): Promise<RerankRequest[]> {
  const { file, t } = await openTable(dir, 'requests', REQUEST_COLUMNS, expectedRows);
  const id = readInt32(file, t, 'request');
  const user = readInt32(file, t, 'user');
  checkIdRange(file, 'user', user, users, 'user');
  const split = readStrings(file, t, 'split');
  const cold = readBool(file, t, 'cold_start');
  const ts = readFloat64(file, t, 'ts');
  const history = readNumericList(file, t, 'history', (n) => new Int32Array(n));
  const candidates = readNumericList(file, t, 'candidates', (n) => new Int32Array(n));
  const labels = readNumericList(file, t, 'labels', (n) => new Float32Array(n));
  const scores = readNumericList(file, t, 'initial_scores', (n) => new Float32Array(n));
  const exposed = readNumericList(file, t, 'exposed', (n) => new Int32Array(n));
  checkIdRange(file, 'history', history.values, items, 'item');
  checkIdRange(file, 'candidates', candidates.values, items, 'item');
  const out: RerankRequest[] = new Array(t.numRows);
  for (let i = 0; i < t.numRows; i++) {
    const s = split[i] as string;
    if (!SPLITS.includes(s as Split)) {
      throw new UserError(`row ${i} has split '${s}', expected train, valid or test`, {
        file,
        field: 'split',
      });
    }
    const c0 = candidates.offsets[i] as number;
    const c1 = candidates.offsets[i + 1] as number;
    for (const [name, list] of [
      ['labels', labels],
      ['initial_scores', scores],
    ] as const) {
      if ((list.offsets[i + 1] as number) - (list.offsets[i] as number) !== c1 - c0) {
        throw new UserError(`row ${i} has ${name} of a different length than candidates`, {
          file,
          field: name,
        });
      }
    }
    const e0 = exposed.offsets[i] as number;
    const e1 = exposed.offsets[i + 1] as number;
    for (let k = e0; k < e1; k++) {
      const at = exposed.values[k] as number;
      if (!(at >= 0 && at < c1 - c0)) {
        throw new UserError(
          `row ${i} has exposed index ${at}, expected an index into its ${c1 - c0} candidates`,
          { file, field: 'exposed' },
        );
      }
    }
    out[i] = {
      id: id[i] as number,
      user: user[i] as number,
      split: s as Split,
      coldStart: cold[i] === 1,
      ts: ts[i] as number,
      history: history.values.subarray(history.offsets[i], history.offsets[i + 1]),
      candidates: candidates.values.subarray(c0, c1),
      labels: labels.values.subarray(labels.offsets[i], labels.offsets[i + 1]),
      initialScores: scores.values.subarray(scores.offsets[i], scores.offsets[i + 1]),
      exposed: exposed.values.subarray(e0, e1),
    };
  }
  return out;
}

/** Load a dataset folder written by `writeDataset` (or any tool that follows the same layout). */
export async function readDataset(dir: string): Promise<LoadedDataset> {
  const stat = await fs.stat(dir).catch(() => null);
  if (!stat) throw new UserError('dataset folder does not exist', { file: dir });
  if (!stat.isDirectory()) throw new UserError('expected a dataset folder, found a file', { file: dir });
  const manifest = await readManifest(dir);
  const rows = manifest.rows as Partial<DatasetManifest['rows']> | undefined;
  const items = await readItems(dir, rows?.items);
  const users = await readUsers(dir, rows?.users);
  const interactions = await readInteractions(dir, users.count, items.count, rows?.interactions);
  const requests = await readRequests(dir, users.count, items.count, rows?.requests);
  return { dir: path.resolve(dir), manifest, items, users, interactions, requests };
}
