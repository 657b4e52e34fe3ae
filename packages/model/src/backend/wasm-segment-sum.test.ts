import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import './register-gradients.js';
import { Rng } from '@glorank/data';
import { describe, expect, it } from 'vitest';
import { registerWasmSegmentSum, segmentSumRows } from './wasm-segment-sum.js';

// Gradient of sum(gather(table, ids) * w) w.r.t. table, computed on one backend.
async function gatherGrad(
  backend: string,
  table: Float32Array,
  shape: [number, number],
  ids: Int32Array,
  w: Float32Array,
) {
  expect(await tf.setBackend(backend)).toBe(true);
  return tf.tidy(() => {
    const t = tf.tensor2d(table, shape);
    const idx = tf.tensor1d(ids, 'int32');
    const weights = tf.tensor2d(w, [ids.length, shape[1]]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.gather(x, idx), weights)))(t);
    return g.dataSync() as Float32Array;
  });
}

describe('wasm UnsortedSegmentSum kernel', () => {
  it('segmentSumRows matches a hand-worked case', () => {
    const out = new Float32Array(6);
    segmentSumRows([1, 2, 3, 4, 5, 6, 7, 8], [2, 0, 2, -1], 3, 2, out);
    expect(Array.from(out)).toEqual([3, 4, 0, 0, 6, 8]);
  });

  it('gives the gather gradient on wasm that cpu gives, within 1e-5', async () => {
    registerWasmSegmentSum();
    const rng = new Rng(123);
    const rows = 40;
    const dim = 16;
    const table = rng.normalArray(rows * dim);
    const ids = Int32Array.from({ length: 300 }, () => rng.int(rows));
    const w = rng.normalArray(ids.length * dim);
    const cpu = await gatherGrad('cpu', table, [rows, dim], ids, w);
    const wasm = await gatherGrad('wasm', table, [rows, dim], ids, w);
    expect(wasm.length).toBe(cpu.length);
    let maxDiff = 0;
    for (let i = 0; i < cpu.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs((cpu[i] as number) - (wasm[i] as number)));
    expect(maxDiff).toBeLessThan(1e-5);
    // Independent expectation: row r of the gradient is the sum of w's rows where ids == r.
    const ref = new Float32Array(rows * dim);
    segmentSumRows(w, ids, rows, dim, ref);
    for (let i = 0; i < ref.length; i++)
      expect(Math.abs((ref[i] as number) - (cpu[i] as number))).toBeLessThan(1e-4);
  });

  it('handles 3-d segment ids as gather with a batch of indices does', async () => {
    registerWasmSegmentSum();
    expect(await tf.setBackend('wasm')).toBe(true);
    const g = tf.tidy(() => {
      const t = tf.ones([5, 3]);
      const idx = tf.tensor2d(
        [
          [0, 1],
          [1, 4],
        ],
        [2, 2],
        'int32',
      );
      return tf
        .grad((x: tf.Tensor) => tf.sum(tf.gather(x, idx)))(t)
        .arraySync();
    });
    expect(g).toEqual([
      [1, 1, 1],
      [2, 2, 2],
      [0, 0, 0],
      [0, 0, 0],
      [1, 1, 1],
    ]);
  });

  // The heap kernel against the reference loop, bit for bit: rows of 1, 3, 4 and 7 elements
  // (four-wide and tail), ids repeated, negative and past the end, float32 and int32.
  for (const row of [1, 3, 4, 7]) {
    for (const dtype of ['float32', 'int32'] as const) {
      it(`sums rows of ${row} (${dtype}) exactly as the reference loop`, async () => {
        registerWasmSegmentSum();
        expect(await tf.setBackend('wasm')).toBe(true);
        const rng = new Rng(row * 7 + (dtype === 'int32' ? 1 : 0));
        const n = 500;
        const segments = 23;
        const ids = Int32Array.from({ length: n }, (_, i) =>
          i % 17 === 0 ? -1 : i % 19 === 0 ? segments : rng.int(segments - 3),
        );
        const values = Float32Array.from(rng.normalArray(n * row), (v) =>
          dtype === 'int32' ? Math.round(v * 100) : v,
        );
        const expected =
          dtype === 'int32' ? new Int32Array(segments * row) : new Float32Array(segments * row);
        segmentSumRows(values, ids, segments, row, expected);
        const got = tf.tidy(() =>
          tf
            .unsortedSegmentSum(tf.tensor2d(values, [n, row], dtype), tf.tensor1d(ids, 'int32'), segments)
            .dataSync(),
        );
        expect(Array.from(got)).toEqual(Array.from(expected));
      });
    }
  }
});
