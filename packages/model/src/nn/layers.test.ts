import { Rng } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { Dense, Embedding, gelu, LayerNorm, layerNorm } from './layers.js';
import { ParamStore } from './params.js';

// Float64 reference of layer norm over rows of length d.
function refLayerNorm(x: number[], d: number, gamma: number[], beta: number[], eps: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / d; r++) {
    const row = x.slice(r * d, (r + 1) * d);
    const mean = row.reduce((a, b) => a + b, 0) / d;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / d;
    for (let j = 0; j < d; j++)
      out.push(((row[j]! - mean) / Math.sqrt(variance + eps)) * gamma[j]! + beta[j]!);
  }
  return out;
}

describe('nn layers', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('layerNorm matches a float64 reference', () => {
    const rng = new Rng(1);
    const d = 6;
    const x = Array.from({ length: 4 * d }, () => rng.normal(0.5, 2));
    const gamma = Array.from({ length: d }, () => rng.normal(1, 0.3));
    const beta = Array.from({ length: d }, () => rng.normal());
    const y = tf.tidy(() =>
      Array.from(layerNorm(tf.tensor2d(x, [4, d]), tf.tensor1d(gamma), tf.tensor1d(beta)).dataSync()),
    );
    const ref = refLayerNorm(x, d, gamma, beta, 1e-5);
    for (let i = 0; i < y.length; i++) expect(y[i]).toBeCloseTo(ref[i]!, 4);
  });

  it('layerNorm gradient matches central finite differences of the float64 reference', () => {
    const rng = new Rng(2);
    const d = 5;
    const rows = 3;
    const x = Array.from({ length: rows * d }, () => rng.normal(0, 1.5));
    const gamma = Array.from({ length: d }, () => rng.normal(1, 0.3));
    const beta = Array.from({ length: d }, () => rng.normal());
    const w = Array.from({ length: rows * d }, () => rng.normal());
    // loss = sum(w * LN(x)); gradients with respect to x and gamma.
    const loss64 = (xs: number[], gs: number[]) =>
      refLayerNorm(xs, d, gs, beta, 1e-5).reduce((a, v, i) => a + v * w[i]!, 0);
    const [gx, gg] = tf.tidy(() => {
      const f = (xt: tf.Tensor, gt: tf.Tensor) =>
        tf.sum(tf.mul(layerNorm(xt, gt, tf.tensor1d(beta)), tf.tensor2d(w, [rows, d])));
      const gs = tf.grads(f)([tf.tensor2d(x, [rows, d]), tf.tensor1d(gamma)]);
      return gs.map((g) => Array.from(g.dataSync()));
    }) as [number[], number[]];
    const h = 1e-6;
    for (let i = 0; i < x.length; i++) {
      const xp = [...x];
      const xm = [...x];
      xp[i]! += h;
      xm[i]! -= h;
      expect(gx[i]).toBeCloseTo((loss64(xp, gamma) - loss64(xm, gamma)) / (2 * h), 3);
    }
    for (let j = 0; j < d; j++) {
      const gp = [...gamma];
      const gm = [...gamma];
      gp[j]! += h;
      gm[j]! -= h;
      expect(gg[j]).toBeCloseTo((loss64(x, gp) - loss64(x, gm)) / (2 * h), 3);
    }
  });

  it('LayerNorm, Dense and Embedding create named, seeded parameters', () => {
    const a = new ParamStore(new Rng(7));
    const b = new ParamStore(new Rng(7));
    const da = new Dense(a, 'fc', 3, 4);
    new Dense(b, 'fc', 3, 4);
    new LayerNorm(a, 'ln', 4);
    expect(a.names()).toEqual(['fc/w', 'fc/b', 'ln/gamma', 'ln/beta']);
    expect(Array.from(a.get('fc/w').dataSync())).toEqual(Array.from(b.get('fc/w').dataSync()));
    expect(Array.from(a.get('ln/gamma').dataSync())).toEqual([1, 1, 1, 1]);
    expect(a.size()).toBe(12 + 4 + 8);
    // Dense on rank 3 equals per-row x W + b computed by hand.
    const x = [
      [
        [1, 2, 3],
        [0, -1, 2],
      ],
    ];
    const y = tf.tidy(() => da.apply(tf.tensor3d(x)).arraySync() as number[][][]);
    const W = da.w.arraySync() as number[][];
    for (let t = 0; t < 2; t++)
      for (let o = 0; o < 4; o++) {
        const expected = x[0]![t]!.reduce((s, v, i) => s + v * W[i]![o]!, 0);
        expect(y[0]![t]![o]).toBeCloseTo(expected, 5);
      }
    const e = new Embedding(a, 'emb', 5, 2);
    const rows = tf.tidy(() => e.apply(tf.tensor2d([[4, 0]], [1, 2], 'int32')).arraySync() as number[][][]);
    const table = e.table.arraySync() as number[][];
    expect(rows[0]).toEqual([table[4], table[0]]);
    a.dispose();
    b.dispose();
  });

  it('gelu matches the tanh-approximation formula', () => {
    const xs = [-3, -1, -0.2, 0, 0.5, 2];
    const y = tf.tidy(() => Array.from(gelu(tf.tensor1d(xs)).dataSync()));
    xs.forEach((x, i) => {
      const ref = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
      expect(y[i]).toBeCloseTo(ref, 5);
    });
  });
});
