// Tokenizer outputs beside the dataset: codes.arrow (through @glorank/data's writer, which
// owns that layout), codebooks.arrow (level, code, items, centroid), and
// tokenizer-report.json; each written atomically, codes last so a reader that sees new codes
// also sees their codebooks and report. `readSemanticIds` is what GloRank training loads.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  checkColumns,
  codebookColumns,
  readCodes as readCodesFile,
  schemaOf,
  UserError,
  writeCodes,
  writeFileAtomic,
} from '@glorank/data';
import {
  FixedSizeList,
  Float32,
  Int16,
  Int32,
  makeData,
  RecordBatch,
  type Schema,
  Struct,
  Table,
  tableFromIPC,
  tableToIPC,
} from 'apache-arrow';
import type { ResidualQuantiser } from './residual-quantiser.js';
import type { TokenizerReport } from './tokenizer-report.js';

export const TOKENIZER_FILES = {
  codes: 'codes.arrow',
  codebooks: 'codebooks.arrow',
  report: 'tokenizer-report.json',
} as const;

export interface CodesOnDisk {
  /** Tokens per item, including the disambiguation level when present. */
  levels: number;
  /** Vocabulary size of each level. */
  codebookSizes: number[];
  /** Row-major [items, levels]. */
  codes: Int16Array;
  items: number;
  disambiguationLevel: boolean;
  /** contentHash of the dataset the codes were made from (compare with its manifest). */
  datasetHash: string;
}

/** codebooks.arrow's columns are @glorank/data's (codebookColumns). */
function codebookSchema(dims: number): Schema {
  return schemaOf(codebookColumns(dims));
}

/** codebooks.arrow bytes: one row per (level, code) with its centroid and item count. */
export function codebooksBytes(q: ResidualQuantiser, itemsPerCode: readonly Int32Array[]): Uint8Array {
  const d = q.dims;
  const rows = q.levels.reduce((s, l) => s + l.codebookSize, 0);
  const level = new Int16Array(rows);
  const code = new Int16Array(rows);
  const items = new Int32Array(rows);
  const centroids = new Float32Array(rows * d);
  let r = 0;
  q.levels.forEach((l, li) => {
    for (let c = 0; c < l.codebookSize; c++, r++) {
      level[r] = li;
      code[r] = c;
      items[r] = itemsPerCode[li]?.[c] ?? 0;
    }
    centroids.set(l.centroids.subarray(0, l.codebookSize * d), (r - l.codebookSize) * d);
  });
  const schema = codebookSchema(d);
  const fields = schema.fields;
  const children = [
    makeData({ type: new Int16(), length: rows, nullCount: 0, data: level }),
    makeData({ type: new Int16(), length: rows, nullCount: 0, data: code }),
    makeData({ type: new Int32(), length: rows, nullCount: 0, data: items }),
    makeData({
      type: fields[3]?.type as FixedSizeList<Float32>,
      length: rows,
      nullCount: 0,
      child: makeData({ type: new Float32(), length: rows * d, nullCount: 0, data: centroids }),
    }),
  ];
  const struct = makeData({ type: new Struct(fields), length: rows, nullCount: 0, children });
  return tableToIPC(new Table([new RecordBatch(schema, struct)]), 'file');
}

/** Write the three outputs into `dir` (the dataset folder). */
export async function writeTokenizerOutputs(
  dir: string,
  out: {
    codes: Int16Array;
    levels: number;
    quantiser: ResidualQuantiser;
    itemsPerCode: Int32Array[];
    report: TokenizerReport;
  },
): Promise<void> {
  await writeFileAtomic(
    path.join(dir, TOKENIZER_FILES.codebooks),
    codebooksBytes(out.quantiser, out.itemsPerCode),
  );
  await writeFileAtomic(path.join(dir, TOKENIZER_FILES.report), `${JSON.stringify(out.report, null, 2)}\n`);
  await writeCodes(path.join(dir, TOKENIZER_FILES.codes), { levels: out.levels, codes: out.codes });
}

/**
 * Read the semantic IDs of a dataset folder: codes.arrow plus the codebook sizes recorded
 * in tokenizer-report.json. Fails with a UserError naming the file when either is missing,
 * malformed, or they disagree.
 */
export async function readSemanticIds(dir: string): Promise<CodesOnDisk> {
  const codesFile = path.join(dir, TOKENIZER_FILES.codes);
  const reportFile = path.join(dir, TOKENIZER_FILES.report);
  try {
    await fs.access(codesFile);
  } catch {
    throw new UserError(`no ${TOKENIZER_FILES.codes} here (run \`glorank tokenize ${dir}\` first)`, {
      file: codesFile,
    });
  }
  const { levels, codes } = await readCodesFile(codesFile);
  let report: TokenizerReport;
  try {
    report = JSON.parse(await fs.readFile(reportFile, 'utf8')) as TokenizerReport;
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UserError(`cannot read the tokenizer report (${why}); re-run \`glorank tokenize\``, {
      file: reportFile,
    });
  }
  const sizes = report.final?.codebookSizes;
  if (!Array.isArray(sizes) || sizes.length !== levels) {
    throw new UserError(`expected ${levels} codebook sizes to match ${TOKENIZER_FILES.codes}`, {
      file: reportFile,
      field: 'final.codebookSizes',
    });
  }
  const items = codes.length / levels;
  for (let i = 0; i < items; i++) {
    for (let l = 0; l < levels; l++) {
      const c = codes[i * levels + l] as number;
      if (c < 0 || c >= (sizes[l] as number)) {
        throw new UserError(`item ${i} level ${l} has code ${c}, outside [0, ${sizes[l]})`, {
          file: codesFile,
          field: 'codes',
        });
      }
    }
  }
  return {
    levels,
    codebookSizes: sizes,
    codes,
    items,
    disambiguationLevel: report.collisions?.disambiguationLevel ?? false,
    datasetHash: report.dataset?.contentHash ?? '',
  };
}

export interface CodebooksOnDisk {
  dims: number;
  /** Per level: [codebookSize, dims] centroids and the items per code. */
  levels: { centroids: Float32Array; items: Int32Array }[];
}

/** Read codebooks.arrow back (for inspection tools and the token explorer). */
export async function readCodebooks(dir: string): Promise<CodebooksOnDisk> {
  const file = path.join(dir, TOKENIZER_FILES.codebooks);
  let table: Table;
  try {
    table = tableFromIPC(await fs.readFile(file));
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UserError(`cannot read codebooks (${why})`, { file });
  }
  const field = table.schema.fields.find((f) => f.name === 'centroid');
  const dims = field && field.type instanceof FixedSizeList ? field.type.listSize : 0;
  const level = table.getChild('level');
  const items = table.getChild('items');
  const centroid = table.getChild('centroid');
  if (!level || !items || !centroid || dims < 1) {
    throw new UserError('expected columns level, code, items, centroid FixedSizeList<Float32>', { file });
  }
  checkColumns(file, table.schema, codebookColumns(dims));
  const out: CodebooksOnDisk = { dims, levels: [] };
  const flat = new Float32Array(table.numRows * dims);
  let at = 0;
  for (const d of centroid.data) {
    const child = d.children[0];
    if (!child) continue;
    // FixedSizeList slices slice their child too, so its values start at this chunk's first row.
    flat.set((child.values as Float32Array).subarray(0, d.length * dims), at);
    at += d.length * dims;
  }
  const perLevel = new Map<number, number[]>();
  for (let r = 0; r < table.numRows; r++) {
    const l = level.get(r) as number;
    const list = perLevel.get(l) ?? [];
    list.push(r);
    perLevel.set(l, list);
  }
  for (const l of Array.from(perLevel.keys()).sort((a, b) => a - b)) {
    const rows = perLevel.get(l) as number[];
    const centroids = new Float32Array(rows.length * dims);
    const counts = new Int32Array(rows.length);
    rows.forEach((r, c) => {
      centroids.set(flat.subarray(r * dims, (r + 1) * dims), c * dims);
      counts[c] = items.get(r) as number;
    });
    out.levels.push({ centroids, items: counts });
  }
  return out;
}
