import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '../backend/register-gradients.js';
import { Rng } from '@glorank/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { installWasmKernels, wasmKernelsInstalled } from '../backend/wasm-kernels.js';
import { maxRelDiff, onBackend } from '../test-support/backend-compare.js';
import { MASK_VALUE } from './attention.js';
import { attentionCore, attentionCoreOps, layerNorm, layerNormOps } from './fused.js';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  installWasmKernels();
});

describe('fused attention core', () => {
  it('is registered on wasm', () => {
    expect(wasmKernelsInstalled()).toEqual(
      expect.arrayContaining(['GlorankAttention', 'GlorankAttentionGrad']),
    );
  });

  it('runs as one kernel forward and one backward on wasm', async () => {
    await tf.setBackend('wasm');
    const q = tf.ones([2, 2, 3, 4]) as tf.Tensor4D;
    const info = await tf.profile(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(attentionCore(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D)),
      )([q, q, q]);
      tf.dispose(g);
    });
    const names = info.kernels.map((k) => k.name);
    expect(names.filter((n) => n === 'GlorankAttention')).toHaveLength(1);
    expect(names.filter((n) => n === 'GlorankAttentionGrad')).toHaveLength(1);
    expect(names).not.toContain('Softmax');
    q.dispose();
  });

  it('gives the hand-worked result: one query, two keys, equal scores average the values', async () => {
    await tf.setBackend('wasm');
    const q = tf.tensor4d([1, 0], [1, 1, 1, 2]);
    const k = tf.tensor4d([0, 1, 0, -1], [1, 1, 2, 2]); // both scores 0
    const v = tf.tensor4d([2, 4, 6, 8], [1, 1, 2, 2]);
    expect(Array.from(attentionCore(q, k, v).dataSync())).toEqual([4, 6]);
    // Masking the second key leaves the first value.
    const mask = tf.tensor3d([0, MASK_VALUE], [1, 1, 2]);
    expect(Array.from(attentionCore(q, k, v, mask).dataSync())).toEqual([2, 4]);
    tf.dispose([q, k, v, mask]);
  });

  // [B, H, Tq, Tk, D, mask shape or null]
  const cases: [number, number, number, number, number, number[] | null][] = [
    [3, 2, 7, 7, 16, [1, 7, 7]], // causal-like
    [5, 2, 9, 13, 8, [5, 1, 13]], // padding
    [2, 3, 1, 11, 5, [2, 1, 11]], // one decoding step
    [4, 1, 6, 5, 3, [4, 6, 5]], // full mask
    [2, 2, 5, 3, 7, null],
  ];
  for (const [B, H, Tq, Tk, D, maskShape] of cases) {
    it(`matches cpu ops, values and gradients: B ${B} H ${H} Tq ${Tq} Tk ${Tk} D ${D} mask [${maskShape ?? 'none'}]`, async () => {
      const rng = new Rng(B * 7 + H * 13 + Tq * 17 + Tk * 19 + D);
      const arrays = [
        { values: rng.normalArray(B * H * Tq * D), shape: [B, H, Tq, D] },
        { values: rng.normalArray(B * H * Tk * D), shape: [B, H, Tk, D] },
        { values: rng.normalArray(B * H * Tk * D), shape: [B, H, Tk, D] },
        { values: rng.normalArray(B * H * Tq * D), shape: [B, H, Tq, D] },
      ];
      if (maskShape !== null) {
        // Mask a random ~30% of positions, never a whole row.
        const m = Float32Array.from({ length: size(maskShape) }, (_, i) =>
          i % (maskShape[2] as number) !== 0 && rng.next() < 0.3 ? MASK_VALUE : 0,
        );
        arrays.push({ values: m, shape: maskShape });
      }
      const run =
        (core: typeof attentionCore) =>
        (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, w: tf.Tensor, mask?: tf.Tensor) => {
          const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
            tf.sum(tf.mul(core(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, mask), w));
          return [
            core(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, mask),
            ...tf.grads(f)([q, k, v]),
          ];
        };
      const cpu = await onBackend('cpu', arrays, run(attentionCoreOps));
      const wasm = await onBackend('wasm', arrays, run(attentionCore));
      expect(cpu).toHaveLength(4);
      for (let i = 0; i < cpu.length; i++)
        expect(maxRelDiff(wasm[i] as Float32Array, cpu[i] as Float32Array)).toBeLessThan(1e-5);
    });
  }
});

describe('fused attention core reading the keys transposed by the caller (kT)', () => {
  /** The bits of a float32 array, so -0, NaN payloads and the last ulp all count. */
  const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
  const transposed = (k: tf.Tensor) => tf.transpose(k, [0, 1, 3, 2]) as tf.Tensor4D;

  // [B, H, Tq, Tk, D, mask shape or null]: decoding steps (Tq 1) and odd sizes everywhere,
  // D and Tk off the SIMD width (4) and the kernel's tile sizes.
  const cases: [number, number, number, number, number, number[] | null][] = [
    [8, 4, 1, 100, 32, [8, 1, 100]], // a decoding step over a paper-size encoder memory
    [7, 3, 1, 13, 5, [7, 1, 13]],
    [3, 1, 1, 1, 9, [3, 1, 1]],
    [5, 2, 3, 11, 7, [1, 3, 11]],
    [2, 3, 9, 17, 1, null],
    [1, 5, 4, 33, 6, [1, 1, 33]],
  ];
  for (const [B, H, Tq, Tk, D, maskShape] of cases) {
    it(`gives the bits of the kernel transposing k itself, values and gradients: B ${B} H ${H} Tq ${Tq} Tk ${Tk} D ${D} mask [${maskShape ?? 'none'}]`, async () => {
      await tf.setBackend('wasm');
      const rng = new Rng(B * 11 + H * 5 + Tq * 3 + Tk * 7 + D);
      const q = tf.tensor4d(rng.normalArray(B * H * Tq * D), [B, H, Tq, D]);
      const k = tf.tensor4d(rng.normalArray(B * H * Tk * D), [B, H, Tk, D]);
      const v = tf.tensor4d(rng.normalArray(B * H * Tk * D), [B, H, Tk, D]);
      const w = tf.tensor4d(rng.normalArray(B * H * Tq * D), [B, H, Tq, D]);
      const mask =
        maskShape === null
          ? undefined
          : tf.tensor(
              Float32Array.from({ length: size(maskShape) }, (_, i) =>
                i % (maskShape[2] as number) !== 0 && rng.next() < 0.3 ? MASK_VALUE : 0,
              ),
              maskShape,
            );
      const kT = transposed(k);
      // Context and the gradients of q, k, v, with and without the caller's kT.
      const run = (withKT: boolean) =>
        tf.tidy(() => {
          const core = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
            attentionCore(
              a as tf.Tensor4D,
              b as tf.Tensor4D,
              c as tf.Tensor4D,
              mask,
              withKT ? kT : undefined,
            );
          const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(core(a, b, c), w));
          return [core(q, k, v), ...tf.grads(f)([q, k, v])].map((t) => bits(t.dataSync() as Float32Array));
        });
      const cached = run(true);
      const uncached = run(false);
      expect(cached).toHaveLength(4);
      for (let i = 0; i < cached.length; i++) expect(cached[i]).toEqual(uncached[i]);
      tf.dispose([q, k, v, w, kT, ...(mask === undefined ? [] : [mask])]);
    });
  }

  it("reads kT rather than k: another key set's kT gives that key set's attention", async () => {
    await tf.setBackend('wasm');
    const rng = new Rng(21);
    const [B, H, Tq, Tk, D] = [3, 2, 1, 9, 5];
    const q = tf.tensor4d(rng.normalArray(B * H * Tq * D), [B, H, Tq, D]);
    const k = tf.tensor4d(rng.normalArray(B * H * Tk * D), [B, H, Tk, D]);
    const other = tf.tensor4d(rng.normalArray(B * H * Tk * D), [B, H, Tk, D]);
    const v = tf.tensor4d(rng.normalArray(B * H * Tk * D), [B, H, Tk, D]);
    const otherT = transposed(other);
    const viaKT = bits(attentionCore(q, k, v, undefined, otherT).dataSync() as Float32Array);
    expect(viaKT).toEqual(bits(attentionCore(q, other, v).dataSync() as Float32Array));
    expect(viaKT).not.toEqual(bits(attentionCore(q, k, v).dataSync() as Float32Array));
    tf.dispose([q, k, other, v, otherT]);
  });

  it('refuses a kT that is not shaped as k transposed', async () => {
    await tf.setBackend('wasm');
    const q = tf.zeros([1, 1, 1, 4]) as tf.Tensor4D;
    const k = tf.zeros([1, 1, 3, 4]) as tf.Tensor4D;
    expect(() => attentionCore(q, k, k, undefined, k)).toThrow(
      /kT of shape \[1,1,3,4\] is not k \[1,1,3,4\] transposed/,
    );
    tf.dispose([q, k]);
  });
});

describe('fused layer norm', () => {
  it('runs as one kernel forward and one backward on wasm', async () => {
    await tf.setBackend('wasm');
    const x = tf.ones([3, 8]);
    const g = tf.ones([8]);
    const info = await tf.profile(() => {
      tf.dispose(
        tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(layerNorm(a, b, c)))([x, g, g]),
      );
    });
    const names = info.kernels.map((k) => k.name);
    expect(names.filter((n) => n === 'GlorankLayerNorm')).toHaveLength(1);
    expect(names.filter((n) => n === 'GlorankLayerNormGrad')).toHaveLength(1);
    expect(names).not.toContain('Rsqrt');
    tf.dispose([x, g]);
  });

  it('normalises a hand-worked row', async () => {
    await tf.setBackend('wasm');
    const y = layerNorm(tf.tensor2d([1, 3], [1, 2]), tf.tensor1d([1, 1]), tf.tensor1d([0, 0]), 0);
    expect(Array.from(y.dataSync())).toEqual([-1, 1]);
  });

  for (const shape of [
    [7, 32],
    [3, 5, 13],
    [1, 1, 128],
  ]) {
    it(`matches cpu ops, values and gradients: [${shape}]`, async () => {
      const rng = new Rng(size(shape));
      const d = shape[shape.length - 1] as number;
      const arrays = [
        { values: Float32Array.from(rng.normalArray(size(shape)), (v) => 3 * v + 1), shape },
        { values: Float32Array.from(rng.normalArray(d), (v) => 1 + 0.2 * v), shape: [d] },
        { values: rng.normalArray(d), shape: [d] },
        { values: rng.normalArray(size(shape)), shape },
      ];
      const run = (ln: typeof layerNorm) => (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, w: tf.Tensor) => [
        ln(x, g, b),
        ...tf.grads((a: tf.Tensor, c: tf.Tensor, e: tf.Tensor) => tf.sum(tf.mul(ln(a, c, e), w)))([x, g, b]),
      ];
      const cpu = await onBackend('cpu', arrays, run(layerNormOps));
      const wasm = await onBackend('wasm', arrays, run(layerNorm));
      for (let i = 0; i < cpu.length; i++)
        expect(maxRelDiff(wasm[i] as Float32Array, cpu[i] as Float32Array)).toBeLessThan(1e-5);
    });
  }
});
