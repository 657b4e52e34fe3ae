import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import './register-gradients.js';
import { Rng } from '@glorank/data';
import { beforeAll, describe, expect, it } from 'vitest';
import wabtInit from 'wabt';
import { maxRelDiff, onBackend } from '../test-support/backend-compare.js';
import { installWasmKernels, wasmKernelsInstalled } from './wasm-kernels.js';
import { WASM_KERNELS_BASE64 } from './wasm-kernels-binary.js';
import { wasmKernelsWat } from './wasm-kernels-source.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  installWasmKernels();
});

describe('wasm kernel module', () => {
  it('is the committed binary of the current kernel source (rebuild with scripts/build-wasm-kernels.mjs)', async () => {
    const wabt = await wabtInit();
    const parsed = wabt.parseWat('glorank-kernels.wat', wasmKernelsWat(), { simd: true });
    parsed.validate();
    const { buffer } = parsed.toBinary({});
    parsed.destroy();
    expect(Buffer.from(buffer).toString('base64')).toBe(WASM_KERNELS_BASE64);
  });

  it('is installed on the wasm backend', () => {
    expect(wasmKernelsInstalled()).toContain('BatchMatMul (SIMD)');
  });
});

describe('wasm SIMD BatchMatMul', () => {
  it('multiplies a hand-worked 2x3 by 3x2 in every transpose combination', async () => {
    await tf.setBackend('wasm');
    const a = [1, 2, 3, 4, 5, 6]; // [[1,2,3],[4,5,6]]
    const b = [7, 8, 9, 10, 11, 12]; // [[7,8],[9,10],[11,12]]
    const expected = [58, 64, 139, 154];
    const at = tf.transpose(tf.tensor2d(a, [2, 3]));
    const bt = tf.transpose(tf.tensor2d(b, [3, 2]));
    const A = tf.tensor2d(a, [2, 3]);
    const B = tf.tensor2d(b, [3, 2]);
    expect(Array.from(tf.matMul(A, B).dataSync())).toEqual(expected);
    expect(Array.from(tf.matMul(at, B, true, false).dataSync())).toEqual(expected);
    expect(Array.from(tf.matMul(A, bt, false, true).dataSync())).toEqual(expected);
    expect(Array.from(tf.matMul(at, bt, true, true).dataSync())).toEqual(expected);
    tf.dispose([A, B, at, bt]);
  });

  // Odd sizes exercise every tile shape: 4-row bands and single rows, 8-, 4- and 1-wide columns.
  const shapes: [number[], number[], number, number, number][] = [
    // [outer A, outer B, m, k, n]
    [[3], [3], 7, 5, 13],
    [[2, 5], [2, 5], 70, 16, 70],
    [[1], [6], 9, 3, 11],
    [[4], [], 1, 33, 1],
    [[], [], 17, 1, 29],
    [[2, 3], [1], 6, 10, 4],
  ];
  for (const [outerA, outerB, m, k, n] of shapes) {
    for (const [ta, tb] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ] as const) {
      it(`matches cpu values and gradients: [${outerA}] x [${outerB}], m ${m} k ${k} n ${n}, transposeA ${ta} transposeB ${tb}`, async () => {
        const rng = new Rng(m * 1000 + k * 10 + n + (ta ? 1 : 0) + (tb ? 2 : 0));
        const aShape = [...outerA, ...(ta ? [k, m] : [m, k])];
        const bShape = [...outerB, ...(tb ? [n, k] : [k, n])];
        const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB), m, n];
        const arrays = [
          { values: rng.normalArray(aShape.reduce((x, y) => x * y, 1)), shape: aShape },
          { values: rng.normalArray(bShape.reduce((x, y) => x * y, 1)), shape: bShape },
          { values: rng.normalArray(outShape.reduce((x, y) => x * y, 1)), shape: outShape },
        ];
        // Value, and the gradients of sum(matMul(a, b) * w) (which run transposed products).
        // tfjs's own BatchMatMul gradient rejects broadcast batches (on cpu too): values only there.
        const broadcast = outerA.join() !== outerB.join();
        const f = (A: tf.Tensor, B: tf.Tensor, W: tf.Tensor) => {
          const y = tf.matMul(A, B, ta, tb);
          if (broadcast) return [y];
          const grads = tf.grads((x: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, z, ta, tb), W)))([
            A,
            B,
          ]);
          return [y, ...grads];
        };
        const cpu = await onBackend('cpu', arrays, f);
        const wasm = await onBackend('wasm', arrays, f);
        for (let i = 0; i < cpu.length; i++)
          expect(maxRelDiff(wasm[i] as Float32Array, cpu[i] as Float32Array)).toBeLessThan(1e-5);
      });
    }
  }
});
