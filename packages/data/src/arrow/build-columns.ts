// Arrow column data built straight from typed arrays (no per-value builders), so writing a
// many-million-row interactions table costs a copy at most.
import {
  Bool,
  type Data,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int16,
  Int32,
  List,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  type Schema,
  Struct,
  Table,
  tableToIPC,
  Utf8,
} from 'apache-arrow';

const encoder = new TextEncoder();

export function int32Data(values: Int32Array): Data<Int32> {
  return makeData({ type: new Int32(), length: values.length, nullCount: 0, data: values });
}

export function float32Data(values: Float32Array): Data<Float32> {
  return makeData({ type: new Float32(), length: values.length, nullCount: 0, data: values });
}

export function float64Data(values: Float64Array): Data<Float64> {
  return makeData({ type: new Float64(), length: values.length, nullCount: 0, data: values });
}

function validityBitmap(
  length: number,
  isValid: (i: number) => boolean,
): { bitmap: Uint8Array; nulls: number } {
  const bitmap = new Uint8Array((length + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < length; i++) {
    if (isValid(i)) bitmap[i >> 3] = (bitmap[i >> 3] as number) | (1 << (i & 7));
    else nulls++;
  }
  return { bitmap, nulls };
}

export function boolData(values: ArrayLike<number | boolean>): Data<Bool> {
  const { bitmap } = validityBitmap(values.length, (i) => Boolean(values[i]));
  return makeData({ type: new Bool(), length: values.length, nullCount: 0, data: bitmap });
}

export function nullableInt32Data(values: readonly (number | null)[]): Data<Int32> {
  const data = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = values[i] ?? 0;
  const { bitmap, nulls } = validityBitmap(values.length, (i) => values[i] !== null);
  return makeData({
    type: new Int32(),
    length: values.length,
    nullCount: nulls,
    data,
    ...(nulls > 0 ? { nullBitmap: bitmap } : {}),
  });
}

export function nullableFloat64Data(values: readonly (number | null)[]): Data<Float64> {
  const data = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = values[i] ?? 0;
  const { bitmap, nulls } = validityBitmap(values.length, (i) => values[i] !== null);
  return makeData({
    type: new Float64(),
    length: values.length,
    nullCount: nulls,
    data,
    ...(nulls > 0 ? { nullBitmap: bitmap } : {}),
  });
}

/** Utf8 column; `null` entries become Arrow nulls. */
export function utf8Data(values: readonly (string | null)[]): Data<Utf8> {
  const encoded: Uint8Array[] = new Array(values.length);
  const offsets = new Int32Array(values.length + 1);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const bytes = v === null || v === undefined ? new Uint8Array(0) : encoder.encode(v);
    encoded[i] = bytes;
    total += bytes.length;
    offsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let i = 0; i < values.length; i++) data.set(encoded[i] as Uint8Array, offsets[i] as number);
  const { bitmap, nulls } = validityBitmap(
    values.length,
    (i) => values[i] !== null && values[i] !== undefined,
  );
  return makeData({
    type: new Utf8(),
    length: values.length,
    nullCount: nulls,
    valueOffsets: offsets,
    data,
    ...(nulls > 0 ? { nullBitmap: bitmap } : {}),
  });
}

const SPLIT_BYTES = ['train', 'valid', 'test'].map((w) => encoder.encode(w));

/** The requests' `split` column (Utf8) straight from split codes 0/1/2, without per-row strings. */
export function splitData(codes: Uint8Array): Data<Utf8> {
  const offsets = new Int32Array(codes.length + 1);
  for (let i = 0; i < codes.length; i++) {
    offsets[i + 1] = (offsets[i] as number) + (SPLIT_BYTES[codes[i] as number] as Uint8Array).length;
  }
  const data = new Uint8Array(offsets[codes.length] as number);
  for (let i = 0; i < codes.length; i++)
    data.set(SPLIT_BYTES[codes[i] as number] as Uint8Array, offsets[i] as number);
  return makeData({ type: new Utf8(), length: codes.length, nullCount: 0, valueOffsets: offsets, data });
}

/** List column from `offsets` (length rows + 1) into a flat child column. */
export function listData<T extends Int32 | Float32 | Utf8>(
  offsets: Int32Array,
  child: Data<T>,
): Data<List<T>> {
  const type = new List(new Field('item', child.type, false));
  return makeData({ type, length: offsets.length - 1, nullCount: 0, valueOffsets: offsets, child });
}

/** Offsets and flat values of a list of typed arrays (e.g. every request's candidates). */
export function flattenLists<A extends Int32Array | Float32Array>(
  lists: readonly A[],
  make: (n: number) => A,
): { offsets: Int32Array; values: A } {
  const offsets = new Int32Array(lists.length + 1);
  for (let i = 0; i < lists.length; i++) offsets[i + 1] = (offsets[i] as number) + (lists[i] as A).length;
  const values = make(offsets[lists.length] as number);
  for (let i = 0; i < lists.length; i++) values.set(lists[i] as A, offsets[i] as number);
  return { offsets, values };
}

export function stringListData(lists: readonly (readonly string[])[]): Data<List<Utf8>> {
  const offsets = new Int32Array(lists.length + 1);
  const flat: string[] = [];
  for (let i = 0; i < lists.length; i++) {
    for (const s of lists[i] as readonly string[]) flat.push(s);
    offsets[i + 1] = flat.length;
  }
  return listData(offsets, utf8Data(flat));
}

export function fixedSizeInt16ListData(values: Int16Array, size: number): Data<FixedSizeList<Int16>> {
  const child = makeData({ type: new Int16(), length: values.length, nullCount: 0, data: values });
  const type = new FixedSizeList(size, new Field('code', new Int16(), false));
  return makeData({ type, length: values.length / size, nullCount: 0, child });
}

/** A one-batch table whose columns follow `schema` in order. */
export function arrowTable(schema: Schema, columns: readonly Data[], rows: number): Table {
  const struct = makeData({
    type: new Struct(schema.fields),
    length: rows,
    nullCount: 0,
    children: [...columns],
  });
  return new Table([new RecordBatch(schema, struct)]);
}

/** Arrow IPC file bytes of one record batch whose columns follow `schema` in order. */
export function ipcFileBytes(schema: Schema, columns: readonly Data[], rows: number): Uint8Array {
  return tableToIPC(arrowTable(schema, columns, rows), 'file');
}

/** The bytes of `table` as an Arrow IPC file, as the writer emits them (mostly views of the columns). */
export function ipcFileChunks(table: Table): AsyncIterable<Uint8Array> {
  return RecordBatchFileWriter.writeAll(table);
}
