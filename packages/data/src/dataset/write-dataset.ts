// Write a dataset folder (manifest.json + the Arrow files) atomically: it appears whole or not
// at all. Counts, per-split totals and the content hash are derived here, never trusted from input.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Data } from 'apache-arrow';
import { Float64, Utf8 } from 'apache-arrow';
import {
  boolData,
  flattenLists,
  float32Data,
  float64Data,
  int32Data,
  ipcFileBytes,
  listData,
  nullableFloat64Data,
  nullableInt32Data,
  stringListData,
  utf8Data,
} from '../arrow/build-columns.js';
import { buildDirAtomic } from '../io/atomic.js';
import {
  DATASET_FILES,
  INTERACTIONS_SCHEMA,
  ITEMS_SCHEMA,
  REQUESTS_SCHEMA,
  schemaOf,
  USER_ATTRIBUTE_PREFIX,
  USER_COLUMNS,
} from '../schema/arrow-schemas.js';
import type {
  DatasetManifest,
  InteractionTable,
  ItemTable,
  RerankRequest,
  Split,
  UserTable,
} from '../schema/types.js';
import { isRequestColumns, type RequestColumns, SPLIT_CODES } from './request-columns.js';
import { DATA_TOOL_VERSION } from './tool-version.js';

/** What a writer supplies; derived manifest fields (rows, hashes, counts) are computed. */
export type ManifestInput = Pick<DatasetManifest, 'name' | 'sourceFormat' | 'sourceFiles' | 'protocol'> &
  Partial<Omit<DatasetManifest, 'name' | 'sourceFormat' | 'sourceFiles' | 'protocol'>>;

export interface DatasetContent {
  manifest: ManifestInput;
  items: ItemTable;
  users: UserTable;
  interactions: InteractionTable;
  /** Request objects, or flat columns as the request builder produces them. */
  requests: readonly RerankRequest[] | RequestColumns;
  /** A synthetic dataset's true click model, saved as click_model.json. */
  clickModel?: { toJSON(): unknown };
}

export interface WriteDatasetOptions {
  /** Replace an existing folder. */
  force?: boolean;
  /** More files to put in the folder (e.g. click_model.json); they count in the content hash. */
  extraFiles?: Record<string, string | Uint8Array>;
}

function assertLength(what: string, actual: number, expected: number): void {
  if (actual !== expected)
    throw new Error(`writeDataset: ${what} has ${actual} entries, expected ${expected}`);
}

export function itemsIpc(items: ItemTable): Uint8Array {
  const n = items.count;
  assertLength('items.rawId', items.rawId.length, n);
  assertLength('items.title', items.title.length, n);
  assertLength('items.categories', items.categories.length, n);
  assertLength('items.year', items.year.length, n);
  assertLength('items.popularity', items.popularity.length, n);
  assertLength('items.cold', items.cold.length, n);
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = i;
  return ipcFileBytes(
    ITEMS_SCHEMA,
    [
      int32Data(ids),
      utf8Data(items.rawId),
      utf8Data(items.title),
      stringListData(items.categories),
      nullableInt32Data(items.year),
      int32Data(items.popularity),
      boolData(items.cold),
    ],
    n,
  );
}

export function usersIpc(users: UserTable): Uint8Array {
  const n = users.count;
  assertLength('users.rawId', users.rawId.length, n);
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = i;
  const specs = [...USER_COLUMNS];
  const columns: Data[] = [int32Data(ids), utf8Data(users.rawId)];
  for (const name of Object.keys(users.attributes).sort()) {
    const values = users.attributes[name] as (string | number | null)[];
    assertLength(`users.attributes.${name}`, values.length, n);
    const numeric = values.every((v) => v === null || typeof v === 'number');
    const hasValue = values.some((v) => v !== null);
    if (numeric && hasValue) {
      specs.push({ name: USER_ATTRIBUTE_PREFIX + name, type: new Float64(), nullable: true });
      columns.push(nullableFloat64Data(values as (number | null)[]));
    } else {
      specs.push({ name: USER_ATTRIBUTE_PREFIX + name, type: new Utf8(), nullable: true });
      columns.push(utf8Data(values.map((v) => (v === null ? null : String(v)))));
    }
  }
  return ipcFileBytes(schemaOf(specs), columns, n);
}

export function interactionsIpc(t: InteractionTable): Uint8Array {
  assertLength('interactions.user', t.user.length, t.count);
  assertLength('interactions.item', t.item.length, t.count);
  assertLength('interactions.rating', t.rating.length, t.count);
  assertLength('interactions.ts', t.ts.length, t.count);
  return ipcFileBytes(
    INTERACTIONS_SCHEMA,
    [int32Data(t.user), int32Data(t.item), float32Data(t.rating), float64Data(t.ts)],
    t.count,
  );
}

export function requestsIpc(requests: readonly RerankRequest[] | RequestColumns): Uint8Array {
  if (isRequestColumns(requests)) return requestColumnsIpc(requests);
  const n = requests.length;
  const id = new Int32Array(n);
  const user = new Int32Array(n);
  const cold = new Uint8Array(n);
  const ts = new Float64Array(n);
  const split: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = requests[i] as RerankRequest;
    assertLength(`request ${r.id} labels`, r.labels.length, r.candidates.length);
    assertLength(`request ${r.id} initialScores`, r.initialScores.length, r.candidates.length);
    id[i] = r.id;
    user[i] = r.user;
    cold[i] = r.coldStart ? 1 : 0;
    ts[i] = r.ts;
    split[i] = r.split;
  }
  const history = flattenLists(
    requests.map((r) => r.history),
    (k) => new Int32Array(k),
  );
  const candidates = flattenLists(
    requests.map((r) => r.candidates),
    (k) => new Int32Array(k),
  );
  const labels = flattenLists(
    requests.map((r) => r.labels),
    (k) => new Float32Array(k),
  );
  const scores = flattenLists(
    requests.map((r) => r.initialScores),
    (k) => new Float32Array(k),
  );
  return ipcFileBytes(
    REQUESTS_SCHEMA,
    [
      int32Data(id),
      int32Data(user),
      utf8Data(split),
      boolData(cold),
      float64Data(ts),
      listData(history.offsets, int32Data(history.values)),
      listData(candidates.offsets, int32Data(candidates.values)),
      listData(labels.offsets, float32Data(labels.values)),
      listData(scores.offsets, float32Data(scores.values)),
    ],
    n,
  );
}

function requestColumnsIpc(c: RequestColumns): Uint8Array {
  const n = c.count;
  const id = new Int32Array(n);
  for (let i = 0; i < n; i++) id[i] = i;
  const split: string[] = new Array(n);
  for (let i = 0; i < n; i++) split[i] = SPLIT_CODES[c.split[i] as number] as string;
  const candidateCount = c.candidateOffsets[n] as number;
  const historyCount = c.historyOffsets[n] as number;
  return ipcFileBytes(
    REQUESTS_SCHEMA,
    [
      int32Data(id),
      int32Data(c.user.subarray(0, n)),
      utf8Data(split),
      boolData(c.coldStart.subarray(0, n)),
      float64Data(c.ts.subarray(0, n)),
      listData(c.historyOffsets.subarray(0, n + 1), int32Data(c.history.subarray(0, historyCount))),
      listData(c.candidateOffsets.subarray(0, n + 1), int32Data(c.candidates.subarray(0, candidateCount))),
      listData(c.candidateOffsets.subarray(0, n + 1), float32Data(c.labels.subarray(0, candidateCount))),
      listData(
        c.candidateOffsets.subarray(0, n + 1),
        float32Data(c.initialScores.subarray(0, candidateCount)),
      ),
    ],
    n,
  );
}

/** sha256 over file names and bytes, in name order (manifest.json excluded). */
export function contentHashOf(files: Record<string, Uint8Array>): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(files).sort()) {
    const bytes = files[name] as Uint8Array;
    hash.update(`${name}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

/** Derive the manifest of `content` given the bytes of its files. */
export function completeManifest(
  content: DatasetContent,
  files: Record<string, Uint8Array>,
): DatasetManifest {
  const requestsBySplit: Record<Split, number> = { train: 0, valid: 0, test: 0 };
  const reqs = content.requests;
  if (isRequestColumns(reqs)) {
    for (let r = 0; r < reqs.count; r++) requestsBySplit[SPLIT_CODES[reqs.split[r] as number] as Split]++;
  } else {
    for (const r of reqs) requestsBySplit[r.split]++;
  }
  let coldStartItems = 0;
  for (let i = 0; i < content.items.count; i++) if (content.items.cold[i]) coldStartItems++;
  const m = content.manifest;
  return {
    ...m,
    name: m.name,
    sourceFormat: m.sourceFormat,
    sourceFiles: m.sourceFiles,
    protocol: m.protocol,
    rows: {
      items: content.items.count,
      users: content.users.count,
      interactions: content.interactions.count,
      requests: isRequestColumns(reqs) ? reqs.count : reqs.length,
    },
    requestsBySplit,
    coldStartItems,
    toolVersion: DATA_TOOL_VERSION,
    createdAt: m.createdAt ?? new Date().toISOString(),
    contentHash: contentHashOf(files),
  };
}

/**
 * Write `content` as a dataset folder at `dir` (manifest.json, items/users/interactions/requests
 * .arrow and any extra files). Fails with a UserError when `dir` exists and `force` is not set.
 */
/** The bytes of every file of the folder except manifest.json, by file name. */
export function datasetFiles(
  content: DatasetContent,
  extraFiles: Record<string, string | Uint8Array> = {},
): Record<string, Uint8Array> {
  const encoder = new TextEncoder();
  const files: Record<string, Uint8Array> = {
    [DATASET_FILES.items]: itemsIpc(content.items),
    [DATASET_FILES.users]: usersIpc(content.users),
    [DATASET_FILES.interactions]: interactionsIpc(content.interactions),
    [DATASET_FILES.requests]: requestsIpc(content.requests),
  };
  if (content.clickModel) {
    files[DATASET_FILES.clickModel] = encoder.encode(`${JSON.stringify(content.clickModel.toJSON())}\n`);
  }
  for (const [name, data] of Object.entries(extraFiles)) {
    if (name === DATASET_FILES.manifest || name in files || name.includes('/')) {
      throw new Error(`writeDataset: extra file name '${name}' is not allowed`);
    }
    files[name] = typeof data === 'string' ? encoder.encode(data) : data;
  }
  return files;
}

/**
 * Write `content` as a dataset folder at `dir` (manifest.json, items/users/interactions/requests
 * .arrow, click_model.json for synthetic data, and any extra files). Fails with a UserError when
 * `dir` exists and `force` is not set. Returns the manifest as written.
 */
export async function writeDataset(
  dir: string,
  content: DatasetContent,
  options: WriteDatasetOptions = {},
): Promise<DatasetManifest> {
  const files = datasetFiles(content, options.extraFiles);
  const manifest = completeManifest(content, files);
  await buildDirAtomic(
    dir,
    async (tmp) => {
      for (const [name, bytes] of Object.entries(files)) await fs.writeFile(path.join(tmp, name), bytes);
      await fs.writeFile(path.join(tmp, DATASET_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
    },
    { force: options.force ?? false },
  );
  return manifest;
}
