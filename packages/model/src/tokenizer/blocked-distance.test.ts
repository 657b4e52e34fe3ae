import { Rng } from '@glorank/data';
import { afterEach, describe, expect, it } from 'vitest';
import {
  activeDistanceKernel,
  nearestTwo,
  nearestTwoPlain,
  sqDistances,
  sqDistancesPlain,
  useDistanceKernel,
} from './blocked-distance.js';

function randomData(rng: Rng, rows: number, d: number, scale = 1): Float32Array {
  const out = new Float32Array(rows * d);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * scale;
  return out;
}

/** Brute-force reference: direct differences, float64. */
function bruteNearest(x: Float32Array, n: number, d: number, c: Float32Array, k: number) {
  const label = new Int32Array(n);
  const best = new Float64Array(n);
  const second = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ds: number[] = [];
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += ((x[i * d + t] as number) - (c[j * d + t] as number)) ** 2;
      ds.push(s);
    }
    const order = ds.map((v, j) => [v, j] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    label[i] = order[0]?.[1] ?? 0;
    best[i] = order[0]?.[0] ?? Infinity;
    second[i] = order[1]?.[0] ?? Infinity;
  }
  return { label, best, second };
}

afterEach(() => {
  useDistanceKernel('wasm-simd');
});

describe('blocked distances', () => {
  it('has the SIMD kernel on this Node', () => {
    expect(activeDistanceKernel()).toBe('wasm-simd');
  });

  // Odd row counts, centroid counts off the 4/8 tiles, and widths off the lane width.
  const shapes = [
    [1, 1, 1],
    [7, 3, 5],
    [33, 13, 17],
    [64, 40, 64],
    [129, 257, 3],
  ] as const;

  for (const kernel of ['plain', 'wasm-simd'] as const) {
    for (const [n, k, d] of shapes) {
      it(`${kernel}: nearest and second nearest match brute force for n=${n} k=${k} d=${d}`, () => {
        useDistanceKernel(kernel);
        const rng = new Rng(n * 1000 + k * 10 + d);
        const x = randomData(rng, n, d);
        const c = randomData(rng, k, d);
        const got = kernel === 'plain' ? nearestTwoPlain(x, n, d, c, k) : nearestTwo(x, n, d, c, k);
        const ref = bruteNearest(x, n, d, c, k);
        for (let i = 0; i < n; i++) {
          expect(got.best[i]).toBeCloseTo(ref.best[i] as number, 3);
          if (k > 1) expect(got.second[i]).toBeCloseTo(ref.second[i] as number, 3);
          else expect(got.second[i]).toBe(Infinity);
          // Labels agree unless the two nearest are within float32 rounding of each other.
          if ((ref.second[i] as number) - (ref.best[i] as number) > 1e-3)
            expect(got.label[i]).toBe(ref.label[i]);
        }
      });
    }
  }

  it('full distance matrices agree between kernels and with direct differences', () => {
    const rng = new Rng(5);
    const [n, m, d] = [37, 11, 23];
    const x = randomData(rng, n, d, 3);
    const y = randomData(rng, m, d, 3);
    const plain = sqDistancesPlain(x, n, d, y, m);
    useDistanceKernel('wasm-simd');
    const fast = sqDistances(x, n, d, y, m);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let t = 0; t < d; t++) s += ((x[i * d + t] as number) - (y[j * d + t] as number)) ** 2;
        expect(plain[i * m + j]).toBeCloseTo(s, 2);
        expect(fast[i * m + j]).toBeCloseTo(s, 2);
      }
    }
  });

  it('hand-worked case: 1-d points against two centroids', () => {
    const x = Float32Array.from([0, 2.9, 10]);
    const c = Float32Array.from([1, 4]);
    for (const kernel of ['plain', 'wasm-simd'] as const) {
      useDistanceKernel(kernel);
      const r = nearestTwo(x, 3, 1, c, 2);
      expect(Array.from(r.label)).toEqual([0, 1, 1]);
      expect(Array.from(r.best).map((v) => Math.round(v * 100) / 100)).toEqual([1, 1.21, 36]);
      expect(Array.from(r.second).map((v) => Math.round(v * 100) / 100)).toEqual([16, 3.61, 81]);
    }
  });
});
