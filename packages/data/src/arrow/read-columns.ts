// Arrow IPC files back into typed arrays. Columns are concatenated across record batches,
// so files written by other Arrow implementations (several batches, slices) read the same.
import { promises as fs } from 'node:fs';
import { type Data, type Table, tableFromIPC, type Vector } from 'apache-arrow';
import { UserError } from '../errors/user-error.js';

/** Read and parse an Arrow IPC file (file or stream format); a missing or corrupt file is a UserError. */
export async function readArrowTable(file: string): Promise<Table> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? 'file is missing' : `cannot read file (${code ?? String(err)})`, {
      file,
    });
  }
  if (bytes.length === 0) throw new UserError('file is empty (expected an Arrow IPC file)', { file });
  // tableFromIPC returns an empty table for arbitrary bytes, so check the magic first:
  // "ARROW1" opens the file format, a 0xFFFFFFFF continuation marker opens the stream format.
  const isFile = bytes.length >= 6 && new TextDecoder().decode(bytes.subarray(0, 6)) === 'ARROW1';
  const isStream =
    bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff;
  if (!isFile && !isStream) {
    throw new UserError('not a readable Arrow IPC file (no Arrow magic bytes at the start)', { file });
  }
  try {
    return tableFromIPC(bytes);
  } catch (err) {
    throw new UserError(`not a readable Arrow IPC file (${(err as Error).message})`, { file });
  }
}

function column(table: Table, name: string): Vector {
  const v = table.getChild(name);
  if (!v) throw new Error(`column ${name} vanished after the schema check`);
  return v;
}

function checkNoNulls(file: string, name: string, vector: Vector): void {
  if (vector.nullCount > 0) {
    throw new UserError(`column has ${vector.nullCount} null values, expected none`, { file, field: name });
  }
}

function numericColumn<A extends Int32Array | Float32Array | Float64Array | Int16Array>(
  file: string,
  table: Table,
  name: string,
  make: (n: number) => A,
): A {
  const vector = column(table, name);
  checkNoNulls(file, name, vector);
  const out = make(vector.length);
  let at = 0;
  for (const d of vector.data) {
    out.set((d.values as A).subarray(0, d.length), at);
    at += d.length;
  }
  return out;
}

export const readInt32 = (file: string, t: Table, name: string): Int32Array =>
  numericColumn(file, t, name, (n) => new Int32Array(n));
export const readFloat32 = (file: string, t: Table, name: string): Float32Array =>
  numericColumn(file, t, name, (n) => new Float32Array(n));
export const readFloat64 = (file: string, t: Table, name: string): Float64Array =>
  numericColumn(file, t, name, (n) => new Float64Array(n));

export function readBool(file: string, table: Table, name: string): Uint8Array {
  const vector = column(table, name);
  checkNoNulls(file, name, vector);
  const out = new Uint8Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector.get(i) ? 1 : 0;
  return out;
}

/** Nullable scalar column as plain values (`null` where Arrow has null). */
export function readNullable<T>(table: Table, name: string): (T | null)[] {
  const vector = column(table, name);
  const out: (T | null)[] = new Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = (vector.get(i) ?? null) as T | null;
  return out;
}

export function readStrings(file: string, table: Table, name: string): string[] {
  const vector = column(table, name);
  checkNoNulls(file, name, vector);
  const out: string[] = new Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector.get(i) as string;
  return out;
}

export function readStringLists(file: string, table: Table, name: string): string[][] {
  const vector = column(table, name);
  checkNoNulls(file, name, vector);
  const out: string[][] = new Array(vector.length);
  for (let i = 0; i < vector.length; i++) {
    const inner = vector.get(i) as Vector | null;
    out[i] = inner ? (inner.toArray() as string[]) : [];
  }
  return out;
}

/**
 * A List<number> column as one flat typed array plus offsets (length rows + 1). Rows can then
 * be cheap `subarray` views instead of one allocation per row.
 */
export function readNumericList<A extends Int32Array | Float32Array>(
  file: string,
  table: Table,
  name: string,
  make: (n: number) => A,
): { offsets: Int32Array; values: A } {
  const vector = column(table, name);
  checkNoNulls(file, name, vector);
  const offsets = new Int32Array(vector.length + 1);
  let total = 0;
  for (const d of vector.data as Data[]) {
    const child = d.children[0] as Data;
    if (child.nullCount > 0) throw new UserError('list values contain nulls', { file, field: name });
    total += (d.valueOffsets[d.length] as number) - (d.valueOffsets[0] as number);
  }
  const values = make(total);
  let row = 0;
  let at = 0;
  for (const d of vector.data as Data[]) {
    const child = d.children[0] as Data;
    const childValues = child.values as A;
    // Sliced Data keeps value offsets rebased to the slice but leaves the child whole.
    const first = d.valueOffsets[0] as number;
    const last = d.valueOffsets[d.length] as number;
    values.set(childValues.subarray(first, last), at);
    for (let i = 0; i < d.length; i++) {
      offsets[row + i + 1] = at + (d.valueOffsets[i + 1] as number) - first;
    }
    row += d.length;
    at += last - first;
  }
  return { offsets, values };
}
