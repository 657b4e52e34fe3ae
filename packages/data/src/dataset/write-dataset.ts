// Write a dataset folder (manifest.json + the Arrow files) atomically: it appears whole or not
// at all. Counts, per-split totals and the content hash are derived here, never trusted from input.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type Data, Float64, type Table, tableToIPC, Utf8 } from 'apache-arrow';
import {
  arrowTable,
  boolData,
  flattenLists,
  float32Data,
  float64Data,
  int32Data,
  ipcFileChunks,
  listData,
  nullableFloat64Data,
  nullableInt32Data,
  splitData,
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

export function itemsTable(items: ItemTable): Table {
  const n = items.count;
  assertLength('items.rawId', items.rawId.length, n);
  assertLength('items.title', items.title.length, n);
  assertLength('items.categories', items.categories.length, n);
  assertLength('items.year', items.year.length, n);
  assertLength('items.popularity', items.popularity.length, n);
  assertLength('items.cold', items.cold.length, n);
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = i;
  return arrowTable(
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

export function usersTable(users: UserTable): Table {
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
  return arrowTable(schemaOf(specs), columns, n);
}

export function interactionsTable(t: InteractionTable): Table {
  assertLength('interactions.user', t.user.length, t.count);
  assertLength('interactions.item', t.item.length, t.count);
  assertLength('interactions.rating', t.rating.length, t.count);
  assertLength('interactions.ts', t.ts.length, t.count);
  return arrowTable(
    INTERACTIONS_SCHEMA,
    [int32Data(t.user), int32Data(t.item), float32Data(t.rating), float64Data(t.ts)],
    t.count,
  );
}

export function requestsTable(requests: readonly RerankRequest[] | RequestColumns): Table {
  if (isRequestColumns(requests)) return requestColumnsTable(requests);
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
    for (const k of r.exposed) {
      if (!(k >= 0 && k < r.candidates.length)) {
        throw new Error(
          `writeDataset: request ${r.id} exposed index ${k} is outside its ${r.candidates.length} candidates`,
        );
      }
    }
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
  const exposed = flattenLists(
    requests.map((r) => r.exposed),
    (k) => new Int32Array(k),
  );
  return arrowTable(
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
      listData(exposed.offsets, int32Data(exposed.values)),
    ],
    n,
  );
}

function requestColumnsTable(c: RequestColumns): Table {
  const n = c.count;
  const id = new Int32Array(n);
  for (let i = 0; i < n; i++) id[i] = i;
  const candidateCount = c.candidateOffsets[n] as number;
  const historyCount = c.historyOffsets[n] as number;
  return arrowTable(
    REQUESTS_SCHEMA,
    [
      int32Data(id),
      int32Data(c.user.subarray(0, n)),
      splitData(c.split.subarray(0, n)),
      boolData(c.coldStart.subarray(0, n)),
      float64Data(c.ts.subarray(0, n)),
      listData(c.historyOffsets.subarray(0, n + 1), int32Data(c.history.subarray(0, historyCount))),
      listData(c.candidateOffsets.subarray(0, n + 1), int32Data(c.candidates.subarray(0, candidateCount))),
      listData(c.candidateOffsets.subarray(0, n + 1), float32Data(c.labels.subarray(0, candidateCount))),
      listData(
        c.candidateOffsets.subarray(0, n + 1),
        float32Data(c.initialScores.subarray(0, candidateCount)),
      ),
      listData(
        c.exposedOffsets.subarray(0, n + 1),
        int32Data(c.exposed.subarray(0, c.exposedOffsets[n] as number)),
      ),
    ],
    n,
  );
}

export interface FileDigest {
  sha256: string;
  bytes: number;
}

/** sha256 over the files' names, sizes and sha256s, in name order (manifest.json excluded). */
export function contentHashOf(files: Record<string, FileDigest>): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(files).sort()) {
    const f = files[name] as FileDigest;
    hash.update(`${name}\0${f.bytes}\0${f.sha256}\n`);
  }
  return hash.digest('hex');
}

/** A dataset file before it is written: an Arrow table, or raw bytes (JSON). */
export type DatasetFile = Table | Uint8Array;

/** Digest of a file's bytes without writing it (for in-memory datasets). */
export function digestInMemory(file: DatasetFile): FileDigest {
  const bytes = file instanceof Uint8Array ? file : tableToIPC(file, 'file');
  return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
}

/** Write a file, hashing exactly the bytes written; Arrow tables stream without a full copy. */
async function writeFileHashed(target: string, file: DatasetFile): Promise<FileDigest> {
  const hash = createHash('sha256');
  if (file instanceof Uint8Array) {
    await fs.writeFile(target, file);
    return { sha256: hash.update(file).digest('hex'), bytes: file.length };
  }
  const handle = await fs.open(target, 'w');
  let bytes = 0;
  const pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    await handle.writev(pending);
    pending.length = 0;
    pendingBytes = 0;
  };
  try {
    for await (const chunk of ipcFileChunks(file)) {
      hash.update(chunk);
      bytes += chunk.byteLength;
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      // Arrow emits many small metadata/padding pieces between big column views: batch them.
      if (pendingBytes >= 1 << 20 || pending.length >= 512) await flush();
    }
    await flush();
  } finally {
    await handle.close();
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Derive the manifest of `content` given the bytes of its files. */
export function completeManifest(
  content: DatasetContent,
  files: Record<string, FileDigest>,
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
/** Every file of the folder except manifest.json, by file name. */
export function datasetFiles(
  content: DatasetContent,
  extraFiles: Record<string, string | Uint8Array> = {},
): Record<string, DatasetFile> {
  const encoder = new TextEncoder();
  const files: Record<string, DatasetFile> = {
    [DATASET_FILES.items]: itemsTable(content.items),
    [DATASET_FILES.users]: usersTable(content.users),
    [DATASET_FILES.interactions]: interactionsTable(content.interactions),
    [DATASET_FILES.requests]: requestsTable(content.requests),
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
  return buildDirAtomic(
    dir,
    async (tmp) => {
      const digests: Record<string, FileDigest> = {};
      for (const [name, file] of Object.entries(files))
        digests[name] = await writeFileHashed(path.join(tmp, name), file);
      const manifest = completeManifest(content, digests);
      await fs.writeFile(path.join(tmp, DATASET_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
      return manifest;
    },
    { force: options.force ?? false },
  );
}
