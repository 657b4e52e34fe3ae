// Compressed sparse rows for the tokenizer's wide, mostly-empty inputs (hashed title n-grams,
// the user x item interaction matrix), so they never become dense.

/** CSR matrix: row r holds `values[indptr[r]..indptr[r+1]]` at columns `indices[...]`. */
export interface CsrMatrix {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/**
 * Build a CSR matrix from (row, col, value) triplets in any order; duplicates are summed,
 * and columns within a row come out sorted.
 */
export function csrFromTriplets(
  rows: number,
  cols: number,
  rowIdx: ArrayLike<number>,
  colIdx: ArrayLike<number>,
  vals: ArrayLike<number>,
): CsrMatrix {
  const nnzIn = rowIdx.length;
  const counts = new Int32Array(rows + 1);
  for (let k = 0; k < nnzIn; k++) {
    const r = rowIdx[k] as number;
    const c = colIdx[k] as number;
    if (r < 0 || r >= rows || c < 0 || c >= cols) {
      throw new RangeError(`triplet (${r}, ${c}) outside a ${rows} x ${cols} matrix`);
    }
    counts[r + 1] = (counts[r + 1] as number) + 1;
  }
  for (let r = 0; r < rows; r++) counts[r + 1] = (counts[r + 1] as number) + (counts[r] as number);
  const order = new Int32Array(nnzIn);
  const fill = counts.slice(0, rows);
  for (let k = 0; k < nnzIn; k++) {
    const r = rowIdx[k] as number;
    order[fill[r] as number] = k;
    fill[r] = (fill[r] as number) + 1;
  }
  const indptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    const span = Array.from(order.subarray(counts[r] as number, counts[r + 1] as number));
    span.sort((a, b) => (colIdx[a] as number) - (colIdx[b] as number));
    let last = -1;
    for (const k of span) {
      const c = colIdx[k] as number;
      if (c === last) values[values.length - 1] = (values[values.length - 1] as number) + (vals[k] as number);
      else {
        indices.push(c);
        values.push(vals[k] as number);
        last = c;
      }
    }
    indptr[r + 1] = indices.length;
  }
  return { rows, cols, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

/** Scale each stored value: v(r, c) *= rowScale[r] * colScale[c] (either may be omitted). */
export function scaleCsr(
  m: CsrMatrix,
  rowScale?: ArrayLike<number>,
  colScale?: ArrayLike<number>,
): CsrMatrix {
  const values = new Float32Array(m.values.length);
  for (let r = 0; r < m.rows; r++) {
    const rs = rowScale ? (rowScale[r] as number) : 1;
    for (let p = m.indptr[r] as number; p < (m.indptr[r + 1] as number); p++) {
      const cs = colScale ? (colScale[m.indices[p] as number] as number) : 1;
      values[p] = (m.values[p] as number) * rs * cs;
    }
  }
  return { ...m, values };
}

/** Only the listed rows, in order. */
export function csrSelectRows(m: CsrMatrix, rows: ArrayLike<number>): CsrMatrix {
  const indptr = new Int32Array(rows.length + 1);
  let nnz = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as number;
    nnz += (m.indptr[r + 1] as number) - (m.indptr[r] as number);
    indptr[i + 1] = nnz;
  }
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as number;
    const a = m.indptr[r] as number;
    const b = m.indptr[r + 1] as number;
    indices.set(m.indices.subarray(a, b), indptr[i] as number);
    values.set(m.values.subarray(a, b), indptr[i] as number);
  }
  return { rows: rows.length, cols: m.cols, indptr, indices, values };
}
