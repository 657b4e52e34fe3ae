import { Rng } from '@glorank/data';
import { describe, expect, it } from 'vitest';
import type { Matrix } from './matrix.js';
import {
  centredOperator,
  denseOperator,
  fitPca,
  fitPcaOperator,
  type Mat64,
  orthonormaliseColumns,
  pcaTransform,
  randomizedSvd,
  sparseOperator,
  symmetricEigen,
} from './randomized-svd.js';
import { csrFromTriplets } from './sparse-matrix.js';

function randomOrthonormal(rng: Rng, rows: number, cols: number): Mat64 {
  const m: Mat64 = { rows, cols, data: new Float64Array(rows * cols).map(() => rng.normal()) };
  orthonormaliseColumns(m);
  return m;
}

/** A = U diag(s) V^T with known factors. */
function lowRank(rng: Rng, rows: number, cols: number, s: number[]): Matrix {
  const u = randomOrthonormal(rng, rows, s.length);
  const v = randomOrthonormal(rng, cols, s.length);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let a = 0;
      s.forEach((sv, r) => {
        a += (u.data[i * s.length + r] as number) * sv * (v.data[j * s.length + r] as number);
      });
      data[i * cols + j] = a;
    }
  }
  return { rows, cols, data };
}

describe('linear algebra for the tokenizer', () => {
  it('Jacobi eigensolver: hand-worked 2 x 2 and 3 x 3 cases', () => {
    const e = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    expect(e.values[0]).toBeCloseTo(3, 12);
    expect(e.values[1]).toBeCloseTo(1, 12);
    expect(Math.abs(e.vectors.data[0] as number)).toBeCloseTo(Math.SQRT1_2, 12);
    // diag(1, 5, 3) in a rotated frame keeps its eigenvalues.
    const d = symmetricEigen(Float64Array.from([1, 0, 0, 0, 5, 0, 0, 0, 3]), 3);
    expect(Array.from(d.values)).toEqual([5, 3, 1]);
  });

  it('randomised SVD recovers the singular values and factors of a low-rank matrix', () => {
    const rng = new Rng(1);
    const s = [9, 4, 2.5, 1];
    const a = lowRank(rng, 60, 40, s);
    const svd = randomizedSvd(denseOperator(a), 4, { rng: new Rng(2) });
    s.forEach((sv, j) => {
      expect(svd.s[j]).toBeCloseTo(sv, 4);
    });
    // U diag(s) V^T reconstructs A.
    for (let i = 0; i < 60; i += 7) {
      for (let j = 0; j < 40; j += 5) {
        let v = 0;
        for (let r = 0; r < 4; r++)
          v += (svd.u.data[i * 4 + r] as number) * (svd.s[r] as number) * (svd.v.data[j * 4 + r] as number);
        expect(v).toBeCloseTo(a.data[i * 40 + j] as number, 4);
      }
    }
  });

  it('sparse and dense operators give the same products, and centring matches explicit centring', () => {
    const rng = new Rng(3);
    const rows: number[] = [];
    const cols: number[] = [];
    const vals: number[] = [];
    const dense = new Float32Array(8 * 6);
    for (let k = 0; k < 20; k++) {
      const r = rng.int(8);
      const c = rng.int(6);
      const v = Math.round(rng.normal() * 100) / 100;
      rows.push(r);
      cols.push(c);
      vals.push(v);
      dense[r * 6 + c] = (dense[r * 6 + c] as number) + v;
    }
    const sp = sparseOperator(csrFromTriplets(8, 6, rows, cols, vals));
    const de = denseOperator({ rows: 8, cols: 6, data: dense });
    const b: Mat64 = { rows: 6, cols: 2, data: new Float64Array(12).map(() => rng.normal()) };
    const c: Mat64 = { rows: 8, cols: 2, data: new Float64Array(16).map(() => rng.normal()) };
    expect(Array.from(sp.times(b).data).map((x) => x.toFixed(5))).toEqual(
      Array.from(de.times(b).data).map((x) => x.toFixed(5)),
    );
    expect(Array.from(sp.transposeTimes(c).data).map((x) => x.toFixed(5))).toEqual(
      Array.from(de.transposeTimes(c).data).map((x) => x.toFixed(5)),
    );
    expect(sp.squaredNorm()).toBeCloseTo(de.squaredNorm(), 5);
    const mean = Float64Array.from([0.5, -1, 0, 2, 0, 0.25]);
    const centred = new Float32Array(dense.length);
    for (let i = 0; i < 8; i++)
      for (let j = 0; j < 6; j++) centred[i * 6 + j] = (dense[i * 6 + j] as number) - (mean[j] as number);
    const ex = denseOperator({ rows: 8, cols: 6, data: centred });
    const im = centredOperator(sp, mean);
    expect(Array.from(im.times(b).data).map((x) => x.toFixed(4))).toEqual(
      Array.from(ex.times(b).data).map((x) => x.toFixed(4)),
    );
    expect(Array.from(im.transposeTimes(c).data).map((x) => x.toFixed(4))).toEqual(
      Array.from(ex.transposeTimes(c).data).map((x) => x.toFixed(4)),
    );
    expect(im.squaredNorm()).toBeCloseTo(ex.squaredNorm(), 4);
  });

  it('PCA: points on a line give that line as the first axis; exact and randomised agree', () => {
    const rng = new Rng(4);
    const n = 200;
    const dir = [3, 4, 0].map((v) => v / 5);
    const data = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const t = rng.normal() * 5;
      for (let j = 0; j < 3; j++) data[i * 3 + j] = 10 + t * (dir[j] as number) + rng.normal() * 0.01;
    }
    const x: Matrix = { rows: n, cols: 3, data };
    const exact = fitPca(x, 2, { rng: new Rng(5) });
    const approx = fitPcaOperator(denseOperator(x), 2, { rng: new Rng(5) });
    for (const p of [exact, approx]) {
      const axis = [0, 1, 2].map((j) => p.components.data[j * 2] as number);
      expect(Math.abs(axis[0] as number)).toBeCloseTo(0.6, 3);
      expect(Math.abs(axis[1] as number)).toBeCloseTo(0.8, 3);
      expect((p.explainedVariance[0] as number) / p.totalVariance).toBeGreaterThan(0.999);
    }
    expect(approx.explainedVariance[0]).toBeCloseTo(exact.explainedVariance[0] as number, 3);
    const scores = pcaTransform(exact, denseOperator(x));
    let mean = 0;
    for (let i = 0; i < n; i++) mean += scores.data[i * 2] as number;
    expect(mean / n).toBeCloseTo(0, 3);
  });
});
