// Cold-start map: ridge regression from an item's content vector to its fused vector,
// learned on warm items (which have both), so items without training interactions get a
// position in the fused space, and from there codes, from content alone. Inputs are
// standardised and the intercept is not penalised; the penalty is picked on a held-out
// fifth of the warm items (validation R^2), then the map is refit on all of them.
import type { Rng } from '@glorank/data';
import type { Matrix } from './matrix.js';

export interface RidgeMap {
  inputMean: Float64Array;
  inputScale: Float64Array;
  outputMean: Float64Array;
  /** [inputs, outputs] on standardised inputs. */
  weights: Float64Array;
  inputs: number;
  outputs: number;
  /** Chosen penalty, relative to the number of fitting rows. */
  lambda: number;
  /** R^2 of the chosen penalty on the held-out warm items. */
  validationR2: number;
}

/** Solve the symmetric positive definite system A X = B (A [p, p], B [p, q]) by Cholesky. */
export function choleskySolve(a: Float64Array, p: number, b: Float64Array, q: number): Float64Array {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j] as number;
      for (let k = 0; k < j; k++) s -= (l[i * p + k] as number) * (l[j * p + k] as number);
      if (i === j) {
        if (!(s > 0)) throw new RangeError('choleskySolve: matrix is not positive definite');
        l[i * p + i] = Math.sqrt(s);
      } else l[i * p + j] = s / (l[j * p + j] as number);
    }
  }
  const x = Float64Array.from(b);
  for (let c = 0; c < q; c++) {
    for (let i = 0; i < p; i++) {
      let s = x[i * q + c] as number;
      for (let k = 0; k < i; k++) s -= (l[i * p + k] as number) * (x[k * q + c] as number);
      x[i * q + c] = s / (l[i * p + i] as number);
    }
    for (let i = p - 1; i >= 0; i--) {
      let s = x[i * q + c] as number;
      for (let k = i + 1; k < p; k++) s -= (l[k * p + i] as number) * (x[k * q + c] as number);
      x[i * q + c] = s / (l[i * p + i] as number);
    }
  }
  return x;
}

interface Standardised {
  xMean: Float64Array;
  xScale: Float64Array;
  yMean: Float64Array;
}

function standardisation(x: Matrix, y: Matrix, rows: ArrayLike<number>): Standardised {
  const p = x.cols;
  const q = y.cols;
  const n = Math.max(rows.length, 1);
  const xMean = new Float64Array(p);
  const xScale = new Float64Array(p);
  const yMean = new Float64Array(q);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k] as number;
    for (let t = 0; t < p; t++) xMean[t] = (xMean[t] as number) + (x.data[r * p + t] as number) / n;
    for (let t = 0; t < q; t++) yMean[t] = (yMean[t] as number) + (y.data[r * q + t] as number) / n;
  }
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k] as number;
    for (let t = 0; t < p; t++)
      xScale[t] = (xScale[t] as number) + ((x.data[r * p + t] as number) - (xMean[t] as number)) ** 2 / n;
  }
  for (let t = 0; t < p; t++) {
    const sd = Math.sqrt(xScale[t] as number);
    xScale[t] = sd > 1e-12 ? 1 / sd : 0;
  }
  return { xMean, xScale, yMean };
}

function fitWith(
  x: Matrix,
  y: Matrix,
  rows: ArrayLike<number>,
  lambda: number,
  st: Standardised,
): Float64Array {
  const p = x.cols;
  const q = y.cols;
  const xtx = new Float64Array(p * p);
  const xty = new Float64Array(p * q);
  const xs = new Float64Array(p);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k] as number;
    for (let t = 0; t < p; t++)
      xs[t] = ((x.data[r * p + t] as number) - (st.xMean[t] as number)) * (st.xScale[t] as number);
    for (let a = 0; a < p; a++) {
      const xa = xs[a] as number;
      if (xa === 0) continue;
      for (let b = a; b < p; b++) xtx[a * p + b] = (xtx[a * p + b] as number) + xa * (xs[b] as number);
      for (let c = 0; c < q; c++) {
        xty[a * q + c] =
          (xty[a * q + c] as number) + xa * ((y.data[r * q + c] as number) - (st.yMean[c] as number));
      }
    }
  }
  for (let a = 0; a < p; a++) {
    for (let b = 0; b < a; b++) xtx[a * p + b] = xtx[b * p + a] as number;
    xtx[a * p + a] = (xtx[a * p + a] as number) + lambda * Math.max(rows.length, 1);
  }
  return choleskySolve(xtx, p, xty, q);
}

function predictInto(map: RidgeMap, x: Matrix, row: number, out: Float64Array): void {
  const { inputs: p, outputs: q } = map;
  out.set(map.outputMean);
  for (let t = 0; t < p; t++) {
    const v =
      ((x.data[row * p + t] as number) - (map.inputMean[t] as number)) * (map.inputScale[t] as number);
    if (v === 0) continue;
    for (let c = 0; c < q; c++) out[c] = (out[c] as number) + v * (map.weights[t * q + c] as number);
  }
}

function r2(map: RidgeMap, x: Matrix, y: Matrix, rows: ArrayLike<number>): number {
  const q = y.cols;
  const mean = new Float64Array(q);
  for (let k = 0; k < rows.length; k++) {
    for (let c = 0; c < q; c++)
      mean[c] = (mean[c] as number) + (y.data[(rows[k] as number) * q + c] as number) / rows.length;
  }
  let sse = 0;
  let sst = 0;
  const pred = new Float64Array(q);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k] as number;
    predictInto(map, x, r, pred);
    for (let c = 0; c < q; c++) {
      const v = y.data[r * q + c] as number;
      sse += (v - (pred[c] as number)) ** 2;
      sst += (v - (mean[c] as number)) ** 2;
    }
  }
  return sst > 0 ? 1 - sse / sst : 0;
}

export interface RidgeOptions {
  rng: Rng;
  /** Penalties tried, relative to the number of rows (default 1e-3 ... 1e2). */
  lambdas?: readonly number[];
}

/** Fit the map x -> y on `rows` (both matrices indexed by item). */
export function fitRidgeMap(x: Matrix, y: Matrix, rows: ArrayLike<number>, options: RidgeOptions): RidgeMap {
  const lambdas = options.lambdas ?? [1e-3, 1e-2, 1e-1, 1, 10, 100];
  const shuffled = options.rng.shuffle(Array.from(rows));
  const holdout = shuffled.length >= 10 ? Math.floor(shuffled.length / 5) : 0;
  const valid = shuffled.slice(0, holdout);
  const fit = shuffled.slice(holdout);
  let best = { lambda: lambdas[0] ?? 1, r2: -Infinity };
  if (holdout > 0) {
    const st = standardisation(x, y, fit);
    for (const lambda of lambdas) {
      const weights = fitWith(x, y, fit, lambda, st);
      const map: RidgeMap = {
        inputMean: st.xMean,
        inputScale: st.xScale,
        outputMean: st.yMean,
        weights,
        inputs: x.cols,
        outputs: y.cols,
        lambda,
        validationR2: 0,
      };
      const score = r2(map, x, y, valid);
      if (score > best.r2) best = { lambda, r2: score };
    }
  }
  const st = standardisation(x, y, rows);
  return {
    inputMean: st.xMean,
    inputScale: st.xScale,
    outputMean: st.yMean,
    weights: fitWith(x, y, rows, best.lambda, st),
    inputs: x.cols,
    outputs: y.cols,
    lambda: best.lambda,
    validationR2: Number.isFinite(best.r2) ? best.r2 : 0,
  };
}

/** Predicted fused vectors for the listed rows of `x`, written into those rows of `out`. */
export function applyRidgeMap(map: RidgeMap, x: Matrix, rows: ArrayLike<number>, out: Matrix): void {
  const pred = new Float64Array(map.outputs);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k] as number;
    predictInto(map, x, r, pred);
    for (let c = 0; c < map.outputs; c++) out.data[r * out.cols + c] = pred[c] as number;
  }
}
