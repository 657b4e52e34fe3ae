// Truncated SVD and PCA: randomised range finding with power iterations (Halko, Martinsson
// & Tropp 2011) on any matrix given as a linear operator (dense, sparse, or implicitly
// centred), and an exact covariance eigensolver (cyclic Jacobi) for narrow dense inputs.
// Internals run in float64; signs are fixed (largest |loading| positive) so results repeat.
import type { Rng } from '@glorank/data';
import type { Matrix } from './matrix.js';
import type { CsrMatrix } from './sparse-matrix.js';

/** Row-major float64 matrix for the solver's internals. */
export interface Mat64 {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** A matrix A [rows, cols] known through products with thin dense matrices. */
export interface LinearOperator {
  rows: number;
  cols: number;
  /** A B for B [cols, r]. */
  times(b: Mat64): Mat64;
  /** A^T C for C [rows, r]. */
  transposeTimes(c: Mat64): Mat64;
  /** ||A||_F^2. */
  squaredNorm(): number;
}

function mat64(rows: number, cols: number): Mat64 {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

export function denseOperator(m: Matrix): LinearOperator {
  const { rows, cols, data } = m;
  return {
    rows,
    cols,
    squaredNorm() {
      let s = 0;
      for (let i = 0; i < data.length; i++) s += (data[i] as number) ** 2;
      return s;
    },
    times(b) {
      const r = b.cols;
      const out = mat64(rows, r);
      for (let i = 0; i < rows; i++) {
        for (let t = 0; t < cols; t++) {
          const a = data[i * cols + t] as number;
          if (a === 0) continue;
          const bo = t * r;
          const oo = i * r;
          for (let j = 0; j < r; j++)
            out.data[oo + j] = (out.data[oo + j] as number) + a * (b.data[bo + j] as number);
        }
      }
      return out;
    },
    transposeTimes(c) {
      const r = c.cols;
      const out = mat64(cols, r);
      for (let i = 0; i < rows; i++) {
        const co = i * r;
        for (let t = 0; t < cols; t++) {
          const a = data[i * cols + t] as number;
          if (a === 0) continue;
          const oo = t * r;
          for (let j = 0; j < r; j++)
            out.data[oo + j] = (out.data[oo + j] as number) + a * (c.data[co + j] as number);
        }
      }
      return out;
    },
  };
}

export function sparseOperator(m: CsrMatrix): LinearOperator {
  const { rows, cols, indptr, indices, values } = m;
  return {
    rows,
    cols,
    squaredNorm() {
      let s = 0;
      for (let i = 0; i < values.length; i++) s += (values[i] as number) ** 2;
      return s;
    },
    times(b) {
      const r = b.cols;
      const out = mat64(rows, r);
      for (let i = 0; i < rows; i++) {
        const oo = i * r;
        for (let p = indptr[i] as number; p < (indptr[i + 1] as number); p++) {
          const a = values[p] as number;
          const bo = (indices[p] as number) * r;
          for (let j = 0; j < r; j++)
            out.data[oo + j] = (out.data[oo + j] as number) + a * (b.data[bo + j] as number);
        }
      }
      return out;
    },
    transposeTimes(c) {
      const r = c.cols;
      const out = mat64(cols, r);
      for (let i = 0; i < rows; i++) {
        const co = i * r;
        for (let p = indptr[i] as number; p < (indptr[i + 1] as number); p++) {
          const a = values[p] as number;
          const oo = (indices[p] as number) * r;
          for (let j = 0; j < r; j++)
            out.data[oo + j] = (out.data[oo + j] as number) + a * (c.data[co + j] as number);
        }
      }
      return out;
    },
  };
}

/** Column means of an operator's matrix: A^T 1 / rows. */
export function operatorColumnMeans(op: LinearOperator): Float64Array {
  const ones = mat64(op.rows, 1);
  ones.data.fill(1);
  const s = op.transposeTimes(ones);
  return s.data.map((v) => v / Math.max(op.rows, 1));
}

/** (A - 1 mean^T) without forming it: sparse stays sparse. */
export function centredOperator(op: LinearOperator, mean: Float64Array): LinearOperator {
  return {
    rows: op.rows,
    cols: op.cols,
    squaredNorm() {
      // ||A - 1 m^T||^2 = ||A||^2 - 2 m.(A^T 1) + rows ||m||^2.
      const ones: Mat64 = { rows: op.rows, cols: 1, data: new Float64Array(op.rows).fill(1) };
      const colSums = op.transposeTimes(ones).data;
      let cross = 0;
      let m2 = 0;
      for (let t = 0; t < op.cols; t++) {
        cross += (mean[t] as number) * (colSums[t] as number);
        m2 += (mean[t] as number) ** 2;
      }
      return Math.max(0, op.squaredNorm() - 2 * cross + op.rows * m2);
    },
    times(b) {
      const out = op.times(b);
      // Subtract 1 (mean^T B).
      const mb = new Float64Array(b.cols);
      for (let t = 0; t < op.cols; t++) {
        const m = mean[t] as number;
        if (m === 0) continue;
        for (let j = 0; j < b.cols; j++) mb[j] = (mb[j] as number) + m * (b.data[t * b.cols + j] as number);
      }
      for (let i = 0; i < op.rows; i++) {
        for (let j = 0; j < b.cols; j++)
          out.data[i * b.cols + j] = (out.data[i * b.cols + j] as number) - (mb[j] as number);
      }
      return out;
    },
    transposeTimes(c) {
      const out = op.transposeTimes(c);
      // Subtract mean (1^T C).
      const colSum = new Float64Array(c.cols);
      for (let i = 0; i < op.rows; i++) {
        for (let j = 0; j < c.cols; j++)
          colSum[j] = (colSum[j] as number) + (c.data[i * c.cols + j] as number);
      }
      for (let t = 0; t < op.cols; t++) {
        const m = mean[t] as number;
        if (m === 0) continue;
        for (let j = 0; j < c.cols; j++)
          out.data[t * c.cols + j] = (out.data[t * c.cols + j] as number) - m * (colSum[j] as number);
      }
      return out;
    },
  };
}

/** Modified Gram-Schmidt on a column-major copy (robust to rank deficiency: such columns become 0). */
function gramSchmidt(m: Mat64): void {
  const { rows, cols, data } = m;
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) t[j * rows + i] = data[i * cols + j] as number;
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < cols; j++) {
      const cj = j * rows;
      for (let q = 0; q < j; q++) {
        const cq = q * rows;
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += (t[cj + i] as number) * (t[cq + i] as number);
        for (let i = 0; i < rows; i++) t[cj + i] = (t[cj + i] as number) - dot * (t[cq + i] as number);
      }
      let norm = 0;
      for (let i = 0; i < rows; i++) norm += (t[cj + i] as number) ** 2;
      norm = Math.sqrt(norm);
      const inv = norm > 1e-12 ? 1 / norm : 0;
      for (let i = 0; i < rows; i++) t[cj + i] = (t[cj + i] as number) * inv;
    }
  }
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) data[i * cols + j] = t[j * rows + i] as number;
}

/**
 * One Cholesky-QR step: Z <- Z R^-1 with R^T R = Z^T Z. Streams the rows twice, so it is
 * several times cheaper than Gram-Schmidt on tall inputs. False (Z untouched) when Z^T Z is
 * numerically singular.
 */
function choleskyQrStep(m: Mat64): boolean {
  const { rows, cols: l, data } = m;
  const g = new Float64Array(l * l);
  for (let i = 0; i < rows; i++) {
    const o = i * l;
    for (let a = 0; a < l; a++) {
      const x = data[o + a] as number;
      if (x === 0) continue;
      for (let b = a; b < l; b++) g[a * l + b] = (g[a * l + b] as number) + x * (data[o + b] as number);
    }
  }
  let maxDiag = 0;
  for (let a = 0; a < l; a++) maxDiag = Math.max(maxDiag, g[a * l + a] as number);
  // Upper-triangular R with R^T R = G.
  const r = new Float64Array(l * l);
  for (let j = 0; j < l; j++) {
    let s = g[j * l + j] as number;
    for (let k = 0; k < j; k++) s -= (r[k * l + j] as number) ** 2;
    if (!(s > 1e-10 * maxDiag)) return false;
    const d = Math.sqrt(s);
    r[j * l + j] = d;
    for (let c = j + 1; c < l; c++) {
      let v = g[j * l + c] as number;
      for (let k = 0; k < j; k++) v -= (r[k * l + j] as number) * (r[k * l + c] as number);
      r[j * l + c] = v / d;
    }
  }
  // Each row z <- z R^-1 (forward substitution on z = y R).
  const y = new Float64Array(l);
  for (let i = 0; i < rows; i++) {
    const o = i * l;
    for (let c = 0; c < l; c++) {
      let v = data[o + c] as number;
      for (let k = 0; k < c; k++) v -= (y[k] as number) * (r[k * l + c] as number);
      y[c] = v / (r[c * l + c] as number);
    }
    for (let c = 0; c < l; c++) data[o + c] = y[c] as number;
  }
  return true;
}

/**
 * Orthonormalise the columns in place: Cholesky QR twice (CholQR2, orthogonal to machine
 * precision for well-conditioned inputs), falling back to Gram-Schmidt when a column is
 * (nearly) dependent on the others.
 */
export function orthonormaliseColumns(m: Mat64): void {
  if (m.cols === 0 || m.rows === 0) return;
  if (m.rows >= m.cols) {
    const backup = Float64Array.from(m.data);
    if (choleskyQrStep(m) && choleskyQrStep(m)) return;
    m.data.set(backup);
  }
  gramSchmidt(m);
}

/**
 * Eigen-decomposition of a symmetric n x n matrix (row-major) by cyclic Jacobi rotations.
 * Returns eigenvalues in descending order and the eigenvectors as columns of `vectors`.
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Mat64 } {
  const m = Float64Array.from(a);
  const v = mat64(n, n);
  for (let i = 0; i < n; i++) v.data[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += (m[i] as number) ** 2;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += (m[p * n + q] as number) ** 2;
    if (off <= 1e-30 * Math.max(scale, 1e-300)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q] as number;
        if (Math.abs(apq) < 1e-300) continue;
        const app = m[p * n + p] as number;
        const aqq = m[q * n + q] as number;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p] as number;
          const akq = m[k * n + q] as number;
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k] as number;
          const aqk = m[q * n + k] as number;
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v.data[k * n + p] as number;
          const vkq = v.data[k * n + q] as number;
          v.data[k * n + p] = c * vkp - s * vkq;
          v.data[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (x, y) => (m[y * n + y] as number) - (m[x * n + x] as number) || x - y,
  );
  const values = new Float64Array(n);
  const vectors = mat64(n, n);
  order.forEach((src, dst) => {
    values[dst] = m[src * n + src] as number;
    for (let k = 0; k < n; k++) vectors.data[k * n + dst] = v.data[k * n + src] as number;
  });
  return { values, vectors };
}

export interface TruncatedSvd {
  /** Left singular vectors [rows, rank]. */
  u: Mat64;
  /** Singular values, descending. */
  s: Float64Array;
  /** Right singular vectors [cols, rank]. */
  v: Mat64;
}

export interface RandomizedSvdOptions {
  rng: Rng;
  /** Extra random directions beyond the rank (default 10). */
  oversample?: number;
  /** Power iterations sharpening the spectrum (default 4). */
  powerIterations?: number;
}

/** Flip each singular pair so the largest-magnitude entry of v's column is positive. */
function fixSigns(u: Mat64, v: Mat64): void {
  for (let j = 0; j < v.cols; j++) {
    let big = 0;
    for (let i = 0; i < v.rows; i++) {
      const x = v.data[i * v.cols + j] as number;
      if (Math.abs(x) > Math.abs(big)) big = x;
    }
    if (big >= 0) continue;
    for (let i = 0; i < v.rows; i++) v.data[i * v.cols + j] = -(v.data[i * v.cols + j] as number);
    for (let i = 0; i < u.rows; i++) u.data[i * u.cols + j] = -(u.data[i * u.cols + j] as number);
  }
}

function transposed(op: LinearOperator): LinearOperator {
  return {
    rows: op.cols,
    cols: op.rows,
    times: (b) => op.transposeTimes(b),
    transposeTimes: (c) => op.times(c),
    squaredNorm: () => op.squaredNorm(),
  };
}

/**
 * Top-`rank` singular triplets of the operator's matrix. The range is found on the shorter
 * side (the operator is transposed when it is tall), and only that side is re-orthonormalised
 * between power iterations: each step then squares the condition number at most once, which
 * float64 absorbs for the few iterations used, while the long side is never orthonormalised.
 */
export function randomizedSvd(op: LinearOperator, rank: number, options: RandomizedSvdOptions): TruncatedSvd {
  if (op.rows > op.cols) {
    const t = randomizedSvd(transposed(op), rank, options);
    return { u: t.v, s: t.s, v: t.u };
  }
  const maxRank = Math.min(op.rows, op.cols);
  const k = Math.max(1, Math.min(rank, maxRank));
  const l = Math.min(maxRank, k + (options.oversample ?? 10));
  const omega = mat64(op.cols, l);
  for (let i = 0; i < omega.data.length; i++) omega.data[i] = options.rng.normal();
  let q = op.times(omega);
  orthonormaliseColumns(q);
  for (let it = 0; it < (options.powerIterations ?? 4); it++) {
    q = op.times(op.transposeTimes(q));
    orthonormaliseColumns(q);
  }
  // B = Q^T A is [l, cols]; hold its transpose A^T Q [cols, l].
  const bt = op.transposeTimes(q);
  const bbt = new Float64Array(l * l);
  for (let t = 0; t < op.cols; t++) {
    for (let a = 0; a < l; a++) {
      const x = bt.data[t * l + a] as number;
      if (x === 0) continue;
      for (let b = a; b < l; b++)
        bbt[a * l + b] = (bbt[a * l + b] as number) + x * (bt.data[t * l + b] as number);
    }
  }
  for (let a = 0; a < l; a++) for (let b = 0; b < a; b++) bbt[a * l + b] = bbt[b * l + a] as number;
  const eig = symmetricEigen(bbt, l);
  const s = new Float64Array(k);
  const u = mat64(op.rows, k);
  const v = mat64(op.cols, k);
  for (let j = 0; j < k; j++) {
    const sv = Math.sqrt(Math.max(0, eig.values[j] as number));
    s[j] = sv;
    // u_j = Q w_j; v_j = B^T w_j / s_j.
    for (let i = 0; i < op.rows; i++) {
      let acc = 0;
      for (let a = 0; a < l; a++)
        acc += (q.data[i * l + a] as number) * (eig.vectors.data[a * l + j] as number);
      u.data[i * k + j] = acc;
    }
    const inv = sv > 1e-12 ? 1 / sv : 0;
    for (let t = 0; t < op.cols; t++) {
      let acc = 0;
      for (let a = 0; a < l; a++)
        acc += (bt.data[t * l + a] as number) * (eig.vectors.data[a * l + j] as number);
      v.data[t * k + j] = acc * inv;
    }
  }
  fixSigns(u, v);
  return { u, s, v };
}

/** A fitted PCA: x -> (x - mean) components. */
export interface Pca {
  mean: Float64Array;
  /** [inputDims, outputDims]: principal axes as columns. */
  components: Mat64;
  /** Variance along each axis (over the fitting rows). */
  explainedVariance: Float64Array;
  /** Total variance of the input (sum over its columns). */
  totalVariance: number;
}

export interface PcaOptions {
  rng: Rng;
  /** Use the exact covariance eigensolver up to this many input columns (default 256). */
  exactUpTo?: number;
}

/** PCA of a dense matrix's rows (exact for narrow inputs, randomised otherwise). */
export function fitPca(x: Matrix, dims: number, options: PcaOptions): Pca {
  const d = x.cols;
  const n = x.rows;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < d; t++) mean[t] = (mean[t] as number) + (x.data[i * d + t] as number);
  for (let t = 0; t < d; t++) mean[t] = (mean[t] as number) / Math.max(n, 1);
  const k = Math.max(1, Math.min(dims, d, n));
  if (d <= (options.exactUpTo ?? 256)) {
    const cov = new Float64Array(d * d);
    const row = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < d; t++) row[t] = (x.data[i * d + t] as number) - (mean[t] as number);
      for (let a = 0; a < d; a++) {
        const ra = row[a] as number;
        if (ra === 0) continue;
        for (let b = a; b < d; b++) cov[a * d + b] = (cov[a * d + b] as number) + ra * (row[b] as number);
      }
    }
    let total = 0;
    for (let a = 0; a < d; a++) {
      for (let b = a; b < d; b++) {
        const v = (cov[a * d + b] as number) / Math.max(n, 1);
        cov[a * d + b] = v;
        cov[b * d + a] = v;
      }
      total += cov[a * d + a] as number;
    }
    const eig = symmetricEigen(cov, d);
    const components = mat64(d, k);
    for (let t = 0; t < d; t++)
      for (let j = 0; j < k; j++) components.data[t * k + j] = eig.vectors.data[t * d + j] as number;
    fixSigns(mat64(0, k), components);
    const explainedVariance = Float64Array.from(eig.values.subarray(0, k), (v) => Math.max(0, v));
    return { mean, components, explainedVariance, totalVariance: total };
  }
  return fitPcaOperator(denseOperator(x), dims, options);
}

/** PCA of an operator's rows (randomised SVD of the implicitly centred matrix). */
export function fitPcaOperator(op: LinearOperator, dims: number, options: PcaOptions): Pca {
  const mean = operatorColumnMeans(op);
  const svd = randomizedSvd(centredOperator(op, mean), dims, { rng: options.rng });
  const n = Math.max(op.rows, 1);
  return {
    mean,
    components: svd.v,
    explainedVariance: svd.s.map((s) => (s * s) / n),
    totalVariance: centredOperator(op, mean).squaredNorm() / n,
  };
}

/** Project rows onto the principal axes: (x - mean) components, as float32 [rows, dims]. */
export function pcaTransform(pca: Pca, x: LinearOperator): Matrix {
  const scores = centredOperator(x, pca.mean).times(pca.components);
  return { rows: scores.rows, cols: scores.cols, data: Float32Array.from(scores.data) };
}
