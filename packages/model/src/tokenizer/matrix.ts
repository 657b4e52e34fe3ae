// Dense row-major matrices on Float32Array: the one vector layout every tokenizer stage
// passes along (items x dims), so stages hand buffers over without copying.

/** Row-major dense matrix: element (r, c) is `data[r * cols + c]`. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

export function zerosMatrix(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float32Array(rows * cols) };
}

export function matrixFrom(rows: number, cols: number, data: Float32Array): Matrix {
  if (data.length !== rows * cols) {
    throw new RangeError(`matrix data has ${data.length} values, expected ${rows} x ${cols}`);
  }
  return { rows, cols, data };
}

/** The listed rows, in the listed order, as a new matrix. */
export function selectRows(m: Matrix, rows: ArrayLike<number>): Matrix {
  const out = zerosMatrix(rows.length, m.cols);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as number;
    out.data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols);
  }
  return out;
}

/** Side-by-side concatenation [a | b | ...] of matrices with equal row counts. */
export function concatColumns(parts: readonly Matrix[]): Matrix {
  const rows = parts[0]?.rows ?? 0;
  let cols = 0;
  for (const p of parts) {
    if (p.rows !== rows) throw new RangeError(`concatColumns: ${p.rows} rows, expected ${rows}`);
    cols += p.cols;
  }
  const out = zerosMatrix(rows, cols);
  let offset = 0;
  for (const p of parts) {
    for (let r = 0; r < rows; r++) {
      out.data.set(p.data.subarray(r * p.cols, (r + 1) * p.cols), r * cols + offset);
    }
    offset += p.cols;
  }
  return out;
}

/** Per-column mean and population standard deviation, accumulated in float64. */
export function columnStats(m: Matrix): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(m.cols);
  const sq = new Float64Array(m.cols);
  for (let r = 0; r < m.rows; r++) {
    const o = r * m.cols;
    for (let c = 0; c < m.cols; c++) mean[c] = (mean[c] as number) + (m.data[o + c] as number);
  }
  for (let c = 0; c < m.cols; c++) mean[c] = (mean[c] as number) / Math.max(m.rows, 1);
  for (let r = 0; r < m.rows; r++) {
    const o = r * m.cols;
    for (let c = 0; c < m.cols; c++) {
      const v = (m.data[o + c] as number) - (mean[c] as number);
      sq[c] = (sq[c] as number) + v * v;
    }
  }
  const std = new Float64Array(m.cols);
  for (let c = 0; c < m.cols; c++) std[c] = Math.sqrt((sq[c] as number) / Math.max(m.rows, 1));
  return { mean, std };
}

/** Mean over columns of the per-column variance (scikit-learn's scale for its k-means tolerance). */
export function meanColumnVariance(m: Matrix): number {
  const { std } = columnStats(m);
  let s = 0;
  for (let c = 0; c < m.cols; c++) s += (std[c] as number) ** 2;
  return s / Math.max(m.cols, 1);
}
