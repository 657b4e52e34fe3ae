// Squared Euclidean distances between rows and centroids, computed as
// ||x||^2 - 2 x.c + ||c||^2 in row blocks. The dot products run in the WebAssembly SIMD
// kernel (wasm-dot-kernel.ts) when the runtime has it; the plain TypeScript kernel (a
// 2-row x 4-centroid register tile over cache-sized centroid blocks, float64 accumulation)
// is the fallback and the reference the SIMD path is tested against. Measured here on
// [20000, 64] x [256, 64]: plain 2.5-3 GFLOP/s, tfjs matMul on the wasm backend 1.3
// (plus tensor copies), the SIMD kernel 12-24; so tfjs is not used for this.
import { loadWasmDotKernel, type WasmDotKernel } from './wasm-dot-kernel.js';

export type DistanceKernelName = 'wasm-simd' | 'plain';

let simdKernel: WasmDotKernel | null | undefined;
let forcePlain = false;

function simd(): WasmDotKernel | null {
  if (forcePlain) return null;
  if (simdKernel === undefined) simdKernel = loadWasmDotKernel();
  return simdKernel;
}

/** Which kernel distance computations use now. */
export function activeDistanceKernel(): DistanceKernelName {
  return simd() === null ? 'plain' : 'wasm-simd';
}

/**
 * Choose the kernel: 'wasm-simd' (default when available) or 'plain'. Returns the kernel in
 * effect, which stays 'plain' when SIMD is unavailable. For benchmarks and tests.
 */
export function useDistanceKernel(name: DistanceKernelName): DistanceKernelName {
  forcePlain = name === 'plain';
  return activeDistanceKernel();
}

/** Output rows per SIMD call: keeps the dot-product block near 512 KiB. */
function simdChunkRows(stride: number): number {
  return Math.max(4, Math.floor(131072 / Math.max(stride, 1)) & ~3);
}

/** Centroids per cache block: keeps a block (about 128 KiB of floats) resident in L2. */
function centroidBlock(d: number): number {
  return Math.max(4, Math.floor(32768 / Math.max(d, 1)) & ~3);
}

/** ||row||^2 of each of `rows` rows of width `d`, in float64. */
export function rowSqNorms(data: Float32Array, rows: number, d: number): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    const o = r * d;
    for (let t = 0; t < d; t++) {
      const v = data[o + t] as number;
      s += v * v;
    }
    out[r] = s;
  }
  return out;
}

export interface NearestTwo {
  /** Index of the nearest centroid per row. */
  label: Int32Array;
  /** Squared distance to the nearest centroid. */
  best: Float64Array;
  /** Squared distance to the second nearest centroid (Infinity when k = 1). */
  second: Float64Array;
}

/**
 * Nearest and second-nearest centroid of each of the first `n` rows of `x` ([n, d]) among
 * `k` centroids ([k, d]). Fills and returns `out` (allocated when absent). Ties go to the
 * lower centroid index, so results do not depend on the blocking.
 */
export function nearestTwo(
  x: Float32Array,
  n: number,
  d: number,
  c: Float32Array,
  k: number,
  out?: NearestTwo,
): NearestTwo {
  const kernel = simd();
  return kernel === null ? nearestTwoPlain(x, n, d, c, k, out) : nearestTwoSimd(kernel, x, n, d, c, k, out);
}

function allocNearest(n: number): NearestTwo {
  return { label: new Int32Array(n), best: new Float64Array(n), second: new Float64Array(n) };
}

function nearestTwoSimd(
  kernel: WasmDotKernel,
  x: Float32Array,
  n: number,
  d: number,
  c: Float32Array,
  k: number,
  out?: NearestTwo,
): NearestTwo {
  const res = out ?? allocNearest(n);
  const { label, best, second } = res;
  const xn = rowSqNorms(x, n, d);
  kernel.setCentroids(c, k, d);
  const stride = kernel.stride;
  const chunk = simdChunkRows(stride);
  for (let from = 0; from < n; from += chunk) {
    const rows = Math.min(chunk, n - from);
    const partial = kernel.partialDistances(x, from, rows);
    for (let r = 0; r < rows; r++) {
      const o = r * stride;
      let b = Infinity;
      let s = Infinity;
      let l = 0;
      for (let j = 0; j < k; j++) {
        const v = partial[o + j] as number;
        if (v < s) {
          if (v < b) {
            s = b;
            b = v;
            l = j;
          } else s = v;
        }
      }
      const xi = xn[from + r] as number;
      label[from + r] = l;
      best[from + r] = Math.max(0, b + xi);
      second[from + r] = Math.max(0, s + xi);
    }
  }
  return res;
}

/** The TypeScript kernel behind `nearestTwo` (fallback, and the reference in tests). */
export function nearestTwoPlain(
  x: Float32Array,
  n: number,
  d: number,
  c: Float32Array,
  k: number,
  out?: NearestTwo,
): NearestTwo {
  const res = out ?? allocNearest(n);
  const { label, best, second } = res;
  const xn = rowSqNorms(x, n, d);
  const cn = rowSqNorms(c, k, d);
  // Partial distances (without ||x||^2) are compared; ||x||^2 is added once at the end.
  best.fill(Infinity, 0, n);
  second.fill(Infinity, 0, n);
  label.fill(0, 0, n);
  const block = centroidBlock(d);
  for (let j0 = 0; j0 < k; j0 += block) {
    const j1 = Math.min(k, j0 + block);
    const j4 = j0 + ((j1 - j0) & ~3);
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const xa = i * d;
      const xb = xa + d;
      let ba = best[i] as number;
      let sa = second[i] as number;
      let la = label[i] as number;
      let bb = best[i + 1] as number;
      let sb = second[i + 1] as number;
      let lb = label[i + 1] as number;
      for (let j = j0; j < j4; j += 4) {
        const c0 = j * d;
        const c1 = c0 + d;
        const c2 = c1 + d;
        const c3 = c2 + d;
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        let b0 = 0;
        let b1 = 0;
        let b2 = 0;
        let b3 = 0;
        for (let t = 0; t < d; t++) {
          const u = x[xa + t] as number;
          const v = x[xb + t] as number;
          const w0 = c[c0 + t] as number;
          const w1 = c[c1 + t] as number;
          const w2 = c[c2 + t] as number;
          const w3 = c[c3 + t] as number;
          a0 += u * w0;
          a1 += u * w1;
          a2 += u * w2;
          a3 += u * w3;
          b0 += v * w0;
          b1 += v * w1;
          b2 += v * w2;
          b3 += v * w3;
        }
        const d0 = (cn[j] as number) - 2 * a0;
        const d1 = (cn[j + 1] as number) - 2 * a1;
        const d2 = (cn[j + 2] as number) - 2 * a2;
        const d3 = (cn[j + 3] as number) - 2 * a3;
        if (d0 < sa) {
          if (d0 < ba) {
            sa = ba;
            ba = d0;
            la = j;
          } else sa = d0;
        }
        if (d1 < sa) {
          if (d1 < ba) {
            sa = ba;
            ba = d1;
            la = j + 1;
          } else sa = d1;
        }
        if (d2 < sa) {
          if (d2 < ba) {
            sa = ba;
            ba = d2;
            la = j + 2;
          } else sa = d2;
        }
        if (d3 < sa) {
          if (d3 < ba) {
            sa = ba;
            ba = d3;
            la = j + 3;
          } else sa = d3;
        }
        const e0 = (cn[j] as number) - 2 * b0;
        const e1 = (cn[j + 1] as number) - 2 * b1;
        const e2 = (cn[j + 2] as number) - 2 * b2;
        const e3 = (cn[j + 3] as number) - 2 * b3;
        if (e0 < sb) {
          if (e0 < bb) {
            sb = bb;
            bb = e0;
            lb = j;
          } else sb = e0;
        }
        if (e1 < sb) {
          if (e1 < bb) {
            sb = bb;
            bb = e1;
            lb = j + 1;
          } else sb = e1;
        }
        if (e2 < sb) {
          if (e2 < bb) {
            sb = bb;
            bb = e2;
            lb = j + 2;
          } else sb = e2;
        }
        if (e3 < sb) {
          if (e3 < bb) {
            sb = bb;
            bb = e3;
            lb = j + 3;
          } else sb = e3;
        }
      }
      best[i] = ba;
      second[i] = sa;
      label[i] = la;
      best[i + 1] = bb;
      second[i + 1] = sb;
      label[i + 1] = lb;
    }
    // Leftovers: an odd last row against the whole block, every row against the block's tail.
    for (let r = 0; r < n; r++) {
      const jStart = r >= i ? j0 : j4;
      if (jStart >= j1) continue;
      let br = best[r] as number;
      let sr = second[r] as number;
      let lr = label[r] as number;
      const xo = r * d;
      for (let j = jStart; j < j1; j++) {
        const co = j * d;
        let a = 0;
        for (let t = 0; t < d; t++) a += (x[xo + t] as number) * (c[co + t] as number);
        const dist = (cn[j] as number) - 2 * a;
        if (dist < sr) {
          if (dist < br) {
            sr = br;
            br = dist;
            lr = j;
          } else sr = dist;
        }
      }
      best[r] = br;
      second[r] = sr;
      label[r] = lr;
    }
  }
  for (let r = 0; r < n; r++) {
    best[r] = Math.max(0, (best[r] as number) + (xn[r] as number));
    second[r] = Math.max(0, (second[r] as number) + (xn[r] as number));
  }
  return res;
}

/**
 * Full squared distance matrix `out[i * m + j] = ||x_i - y_j||^2` between the first `n` rows
 * of `x` and the `m` rows of `y` (k-means++ candidate scoring, balanced assignment).
 */
export function sqDistances(
  x: Float32Array,
  n: number,
  d: number,
  y: Float32Array,
  m: number,
  out: Float32Array = new Float32Array(n * m),
  xNorms?: Float64Array,
): Float32Array {
  const kernel = simd();
  if (kernel === null) return sqDistancesPlain(x, n, d, y, m, out, xNorms);
  const xn = xNorms ?? rowSqNorms(x, n, d);
  kernel.setCentroids(y, m, d);
  const stride = kernel.stride;
  const chunk = simdChunkRows(stride);
  for (let from = 0; from < n; from += chunk) {
    const rows = Math.min(chunk, n - from);
    const partial = kernel.partialDistances(x, from, rows);
    for (let r = 0; r < rows; r++) {
      const xi = xn[from + r] as number;
      const o = r * stride;
      const oo = (from + r) * m;
      for (let j = 0; j < m; j++) {
        out[oo + j] = Math.max(0, xi + (partial[o + j] as number));
      }
    }
  }
  return out;
}

/** The TypeScript kernel behind `sqDistances` (fallback, and the reference in tests). */
export function sqDistancesPlain(
  x: Float32Array,
  n: number,
  d: number,
  y: Float32Array,
  m: number,
  out: Float32Array = new Float32Array(n * m),
  xNorms?: Float64Array,
): Float32Array {
  const xn = xNorms ?? rowSqNorms(x, n, d);
  const yn = rowSqNorms(y, m, d);
  const m4 = m & ~3;
  for (let i = 0; i < n; i++) {
    const xo = i * d;
    const oo = i * m;
    const xi = xn[i] as number;
    let j = 0;
    for (; j < m4; j += 4) {
      const c0 = j * d;
      const c1 = c0 + d;
      const c2 = c1 + d;
      const c3 = c2 + d;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let t = 0; t < d; t++) {
        const u = x[xo + t] as number;
        a0 += u * (y[c0 + t] as number);
        a1 += u * (y[c1 + t] as number);
        a2 += u * (y[c2 + t] as number);
        a3 += u * (y[c3 + t] as number);
      }
      out[oo + j] = Math.max(0, xi - 2 * a0 + (yn[j] as number));
      out[oo + j + 1] = Math.max(0, xi - 2 * a1 + (yn[j + 1] as number));
      out[oo + j + 2] = Math.max(0, xi - 2 * a2 + (yn[j + 2] as number));
      out[oo + j + 3] = Math.max(0, xi - 2 * a3 + (yn[j + 3] as number));
    }
    for (; j < m; j++) {
      const co = j * d;
      let a = 0;
      for (let t = 0; t < d; t++) a += (x[xo + t] as number) * (y[co + t] as number);
      out[oo + j] = Math.max(0, xi - 2 * a + (yn[j] as number));
    }
  }
  return out;
}

/** Exact squared distance between row `i` of `x` and row `j` of `y` (both width `d`). */
export function sqDistance(x: Float32Array, i: number, y: Float32Array, j: number, d: number): number {
  let s = 0;
  const xo = i * d;
  const yo = j * d;
  for (let t = 0; t < d; t++) {
    const v = (x[xo + t] as number) - (y[yo + t] as number);
    s += v * v;
  }
  return s;
}
