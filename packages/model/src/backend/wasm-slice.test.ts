import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import './register-gradients.js';
import { Rng } from '@glorank/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { copySlice, installWasmSlices, wasmSlicesInstalled } from './wasm-slice.js';

/** Every output of f on `backend`, as plain arrays (int32 and float32 alike). */
async function outputs(backend: string, f: () => tf.Tensor[]): Promise<number[][]> {
  expect(await tf.setBackend(backend)).toBe(true);
  return tf.tidy(() => f().map((t) => Array.from(t.dataSync())));
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  installWasmSlices();
});

describe('copySlice', () => {
  it('takes a hand-worked block of a [2, 3, 4] tensor', () => {
    const src = Float32Array.from({ length: 24 }, (_, i) => i);
    const dst = new Float32Array(2 * 2 * 2);
    // rows 1..2 of the middle axis, columns 1..2 of the last, both outer entries.
    copySlice(src, [2, 3, 4], [0, 1, 1], [2, 2, 2], dst);
    expect(Array.from(dst)).toEqual([5, 6, 9, 10, 17, 18, 21, 22]);
  });

  it('copies trailing whole dimensions as one run and handles rank 1 and empty sizes', () => {
    const src = Float32Array.from({ length: 24 }, (_, i) => i);
    const dst = new Float32Array(8);
    copySlice(src, [2, 3, 4], [1, 1, 0], [1, 2, 4], dst);
    expect(Array.from(dst)).toEqual([16, 17, 18, 19, 20, 21, 22, 23]);
    const one = new Float32Array(3);
    copySlice(src, [24], [20], [3], one);
    expect(Array.from(one)).toEqual([20, 21, 22]);
    const none = new Float32Array(1).fill(-1);
    copySlice(src, [2, 3, 4], [0, 0, 0], [2, 0, 4], none);
    expect(none[0]).toBe(-1);
  });
});

describe('wasm Slice, SplitV and Unpack in place', () => {
  it('are installed', () => {
    expect(wasmSlicesInstalled().sort()).toEqual(['Identity', 'Slice', 'SplitV', 'Unpack']);
  });

  it('clone shares the data: the same values, and each tensor outlives the other', async () => {
    await tf.setBackend('wasm');
    const buffers = () => tf.engine().backend.numDataIds();
    const before = buffers();
    const x = tf.tensor([1.5, -2, 3], [3]);
    const y = tf.clone(x);
    expect(buffers()).toBe(before + 1); // no second copy on the heap
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1.5, -2, 3]);
    const z = tf.clone(y);
    y.dispose();
    expect(Array.from(z.dataSync())).toEqual([1.5, -2, 3]);
    z.dispose();
    expect(buffers()).toBe(before);
  });

  it('give the cpu backend bits on random shapes, odd sizes and every axis (float32, int32, bool)', async () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 40; trial++) {
      const rank = 1 + rng.int(4);
      const shape = Array.from({ length: rank }, () => 1 + rng.int(7));
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Float32Array.from({ length: n }, () => rng.normal());
      const ints = Int32Array.from({ length: n }, () => rng.int(1000) - 500);
      const begin = shape.map((d) => rng.int(d));
      const size = shape.map((d, i) => (rng.next() < 0.3 ? -1 : 1 + rng.int(d - (begin[i] as number))));
      const axis = rng.int(rank);
      const parts = [1, 2, 3].filter((p) => (shape[axis] as number) % p === 0);
      const split = parts[rng.int(parts.length)] as number;
      const f = (): tf.Tensor[] => {
        const x = tf.tensor(values, shape);
        const xi = tf.tensor(ints, shape, 'int32');
        const xb = tf.greater(x, 0);
        return [
          tf.slice(x, begin, size),
          tf.slice(xi, begin, size),
          tf.slice(xb, begin, size),
          ...tf.split(x, split, axis),
          ...tf.split(
            xi,
            [1, (shape[axis] as number) - 1].filter((s) => s > 0),
            axis,
          ),
          ...tf.unstack(x, axis),
          ...tf.unstack(xb, axis),
        ];
      };
      const want = await outputs('cpu', f);
      const got = await outputs('wasm', f);
      expect(got).toEqual(want);
    }
  });

  it('keep gradients: d/dx of sum(unstack(x)[1] * 2) + sum(slice) matches cpu', async () => {
    const values = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i / 7);
    const f = (): tf.Tensor[] => {
      const g = tf.grad((x: tf.Tensor) =>
        tf.add(
          tf.sum(tf.mul(tf.unstack(x, 1)[1] as tf.Tensor, 2)),
          tf.sum(tf.slice(x, [1, 0, 1], [1, 3, 2])),
        ),
      );
      return [g(tf.tensor(values, [2, 3, 4]))];
    };
    expect(await outputs('wasm', f)).toEqual(await outputs('cpu', f));
  });
});
