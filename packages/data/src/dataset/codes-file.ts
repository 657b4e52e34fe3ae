// codes.arrow: the tokenizer's semantic ID per item (`item` Int32, `codes` FixedSizeList<Int16>).
// Written and checked here so the layout stays defined in one place.
import type { FixedSizeList } from 'apache-arrow';
import { fixedSizeInt16ListData, int32Data, ipcFileBytes } from '../arrow/build-columns.js';
import { readArrowTable } from '../arrow/read-columns.js';
import { UserError } from '../errors/user-error.js';
import { writeFileAtomic } from '../io/atomic.js';
import { checkColumns, codeColumns, schemaOf } from '../schema/arrow-schemas.js';

/** The rows of codes.arrow: item i's semantic ID is row i. */
export interface CodesTable {
  /** Tokens per item. */
  levels: number;
  /** Row-major [items, levels]; row i is item i's semantic ID. */
  codes: Int16Array;
}

/** Write codes.arrow atomically; rows are items 0..n-1 in order. */
export async function writeCodes(file: string, value: CodesTable): Promise<void> {
  const { levels, codes } = value;
  if (!Number.isInteger(levels) || levels < 1 || codes.length % levels !== 0) {
    throw new RangeError(`writeCodes: ${codes.length} codes do not split into rows of ${levels}`);
  }
  const rows = codes.length / levels;
  const ids = new Int32Array(rows);
  for (let i = 0; i < rows; i++) ids[i] = i;
  const bytes = ipcFileBytes(
    schemaOf(codeColumns(levels)),
    [int32Data(ids), fixedSizeInt16ListData(codes, levels)],
    rows,
  );
  await writeFileAtomic(file, bytes);
}

/** Read codes.arrow, checking its columns and that rows are items 0..n-1. */
export async function readCodes(file: string): Promise<CodesTable> {
  const table = await readArrowTable(file);
  const field = table.schema.fields.find((f) => f.name === 'codes');
  const levels = field && 'listSize' in field.type ? (field.type as FixedSizeList).listSize : 0;
  if (levels < 1) throw new UserError('expected a FixedSizeList<Int16> column', { file, field: 'codes' });
  checkColumns(file, table.schema, codeColumns(levels));
  const items = table.getChild('item')!;
  for (let i = 0; i < table.numRows; i++) {
    if (items.get(i) !== i)
      throw new UserError(`row ${i} has item ${items.get(i)}, expected ${i}`, { file, field: 'item' });
  }
  const codes = new Int16Array(table.numRows * levels);
  let at = 0;
  for (const d of table.getChild('codes')!.data) {
    const child = d.children[0]!;
    // FixedSizeList slices slice the child too; values are already rebased.
    codes.set((child.values as Int16Array).subarray(0, d.length * levels), at);
    at += d.length * levels;
  }
  return { levels, codes };
}
