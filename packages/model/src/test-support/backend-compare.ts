// Comparing a kernel's results on two tfjs backends (the wasm kernels and fused ops against
// the pure-JS cpu backend), for the backend and nn tests.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/** Largest |x - y| / max(1, |y|): relative for values above 1, absolute below (sums cancel). */
export function maxRelDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  expect(x.length).toBe(y.length);
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const yi = y[i] as number;
    worst = Math.max(worst, Math.abs((x[i] as number) - yi) / Math.max(1, Math.abs(yi)));
  }
  return worst;
}

/** Run f on a backend with fresh tensors from the given arrays; returns every output's values. */
export async function onBackend(
  backend: string,
  arrays: { values: Float32Array; shape: number[] }[],
  f: (...xs: tf.Tensor[]) => tf.Tensor[],
): Promise<Float32Array[]> {
  expect(await tf.setBackend(backend)).toBe(true);
  return tf.tidy(() =>
    f(...arrays.map((a) => tf.tensor(a.values, a.shape))).map((t) => t.dataSync() as Float32Array),
  );
}
