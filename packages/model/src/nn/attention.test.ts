import { Rng } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { causalMask, lengthMask, MultiHeadAttention } from './attention.js';
import { ParamStore } from './params.js';
import { DecoderBlock, EncoderBlock } from './transformer.js';

type M = number[][];
const matmul = (a: M, b: M): M =>
  a.map((r) => b[0]!.map((_, j) => r.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const addBias = (a: M, b: number[]): M => a.map((r) => r.map((v, j) => v + b[j]!));

// Single-example reference: softmax(q k^T / sqrt(dh) + mask) v per head, then output proj.
function refAttention(mha: MultiHeadAttention, xq: M, xk: M, mask: M | null): M {
  const p = (d: { w: tf.Variable; b: tf.Variable | null }) => ({
    w: d.w.arraySync() as M,
    b: Array.from(d.b!.dataSync()),
  });
  const [q, k, v, o] = [mha.q, mha.k, mha.v, mha.out].map(p) as [
    { w: M; b: number[] },
    { w: M; b: number[] },
    { w: M; b: number[] },
    { w: M; b: number[] },
  ];
  const Q = addBias(matmul(xq, q.w), q.b);
  const K = addBias(matmul(xk, k.w), k.b);
  const V = addBias(matmul(xk, v.w), v.b);
  const dh = mha.headDim;
  const ctx: M = xq.map(() => new Array(mha.dim).fill(0));
  for (let h = 0; h < mha.heads; h++) {
    for (let i = 0; i < xq.length; i++) {
      const s = xk.map((_, j) => {
        let dot = 0;
        for (let c = 0; c < dh; c++) dot += Q[i]![h * dh + c]! * K[j]![h * dh + c]!;
        return dot / Math.sqrt(dh) + (mask ? mask[i]![j]! : 0);
      });
      const mx = Math.max(...s);
      const e = s.map((x) => Math.exp(x - mx));
      const z = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j < xk.length; j++)
        for (let c = 0; c < dh; c++) ctx[i]![h * dh + c]! += (e[j]! / z) * V[j]![h * dh + c]!;
    }
  }
  return addBias(matmul(ctx, o.w), o.b);
}

describe('multi-head attention', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('matches a plain-loop reference with a causal mask', () => {
    const rng = new Rng(3);
    const store = new ParamStore(rng.fork('init'));
    const mha = new MultiHeadAttention(store, 'a', 8, 2);
    const x = Array.from({ length: 4 }, () => Array.from({ length: 8 }, () => rng.normal()));
    const got = tf.tidy(
      () => (mha.apply(tf.tensor3d([x]), tf.tensor3d([x]), causalMask(4)).arraySync() as M[])[0]!,
    );
    const mask = causalMask(4).arraySync()[0] as M;
    const ref = refAttention(mha, x, x, mask);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 8; j++) expect(got[i]![j]).toBeCloseTo(ref[i]![j]!, 4);
    store.dispose();
  });

  it('causal: changing a later token leaves earlier outputs unchanged', () => {
    const rng = new Rng(4);
    const store = new ParamStore(rng.fork('init'));
    const block = new EncoderBlock(store, 'b', { dim: 8, heads: 2, hidden: 16 });
    const x = rng.normalArray(2 * 5 * 8);
    const x2 = Float32Array.from(x);
    for (let j = 0; j < 8; j++) x2[3 * 8 + j] = (x2[3 * 8 + j] as number) + 5; // token 3 of example 0
    const run = (v: Float32Array) =>
      tf.tidy(() => block.apply(tf.tensor3d(v, [2, 5, 8]), causalMask(5)).arraySync() as number[][][]);
    const a = run(x);
    const b = run(x2);
    for (let t = 0; t < 3; t++) expect(b[0]![t]).toEqual(a[0]![t]);
    expect(b[0]![3]).not.toEqual(a[0]![3]);
    expect(b[1]).toEqual(a[1]);
    store.dispose();
  });

  it('padding: keys past the length do not affect the output', () => {
    const rng = new Rng(5);
    const store = new ParamStore(rng.fork('init'));
    const dec = new DecoderBlock(store, 'd', { dim: 8, heads: 4, hidden: 16 });
    const q = rng.normalArray(2 * 3 * 8);
    const mem = rng.normalArray(2 * 6 * 8);
    const mem2 = Float32Array.from(mem);
    for (let i = 4 * 8; i < 6 * 8; i++) mem2[i] = 100; // keys 4, 5 of example 0 are padding
    const run = (m: Float32Array) =>
      tf.tidy(
        () =>
          dec
            .apply(tf.tensor3d(q, [2, 3, 8]), causalMask(3), tf.tensor3d(m, [2, 6, 8]), lengthMask([4, 6], 6))
            .dataSync() as Float32Array,
      );
    const a = run(mem);
    const b = run(mem2);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 5);
    // Precomputed memory keys/values give the same result as passing the memory.
    const c = tf.tidy(() => {
      const m = tf.tensor3d(mem, [2, 6, 8]);
      return dec
        .apply(tf.tensor3d(q, [2, 3, 8]), causalMask(3), dec.memoryKV(m), lengthMask([4, 6], 6))
        .dataSync() as Float32Array;
    });
    for (let i = 0; i < a.length; i++) expect(c[i]).toBeCloseTo(a[i]!, 6);
    store.dispose();
  });

  it('has gradients for every parameter of a decoder block on wasm', () => {
    const rng = new Rng(6);
    const store = new ParamStore(rng.fork('init'));
    const dec = new DecoderBlock(store, 'd', { dim: 8, heads: 2, hidden: 16, activation: 'gelu' });
    const before = tf.memory().numTensors;
    const { value, grads } = store.valueAndGrads(() =>
      tf.tidy(() => {
        const x = tf.tensor3d(rng.normalArray(2 * 3 * 8), [2, 3, 8]);
        const m = tf.tensor3d(rng.normalArray(2 * 4 * 8), [2, 4, 8]);
        return tf.sum(tf.square(dec.apply(x, causalMask(3), m, lengthMask([2, 4], 4)))) as tf.Scalar;
      }),
    );
    expect([...grads.keys()].sort()).toEqual(store.names().sort());
    for (const g of grads.values())
      expect(Number.isFinite(tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]!))).toBe(true);
    value.dispose();
    for (const g of grads.values()) g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    store.dispose();
  });
});
