import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import './register-gradients.js';
import { Rng } from '@glorank/data';
import { describe, expect, it } from 'vitest';

// The gradient of sum(w * sum(x, axis, keepDims)) w.r.t. x is w broadcast back over the
// reduced axes: tfjs's own formula, reshape(dy) * ones(x.shape), written out here as the
// reference. The registered gradient must give the same bits on both backends.
describe("Sum's gradient without a ones tensor", () => {
  const cases: [number[], number | number[] | undefined, boolean][] = [
    [[4, 3], 0, false],
    [[4, 3], 1, true],
    [[5, 3, 7], [0, 2], false],
    [[5, 3, 7], [2, 0], true],
    [[6, 1, 5], 1, false],
    [[2, 3, 4], undefined, false],
  ];
  for (const backend of ['cpu', 'wasm']) {
    for (const [shape, axis, keepDims] of cases) {
      it(`${backend}: [${shape}] over ${JSON.stringify(axis ?? 'all')}${keepDims ? ', dims kept' : ''}`, async () => {
        expect(await tf.setBackend(backend)).toBe(true);
        const rng = new Rng(shape.length * 10 + (keepDims ? 1 : 0));
        const x = tf.tensor(rng.normalArray(shape.reduce((a, b) => a * b, 1)), shape);
        const reduced = tf.sum(x, axis, keepDims);
        const wValues = Float32Array.from(rng.normalArray(reduced.size), (v, i) =>
          i === 0 ? Number.NaN : i === 1 ? -0 : v,
        );
        const w = tf.tensor(wValues, reduced.shape);
        const got = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.sum(t, axis, keepDims), w)))(x);
        const axes = axis === undefined ? shape.map((_, i) => i) : ([] as number[]).concat(axis);
        const expandedShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
        const expected = tf.mul(tf.reshape(w, expandedShape), tf.ones(shape));
        expect(got.shape).toEqual(shape);
        expect(got.dtype).toBe('float32');
        expect(Array.from(new Uint32Array(got.dataSync().buffer.slice(0)))).toEqual(
          Array.from(new Uint32Array(expected.dataSync().buffer.slice(0))),
        );
        tf.dispose([x, reduced, w, got, expected]);
      });
    }
  }
});
