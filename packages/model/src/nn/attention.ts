// Multi-head scaled dot-product attention (self, causal and cross) as tfjs-core ops, with
// additive masks: 0 where a query may look, MASK_VALUE where it may not. A large finite
// value instead of -Infinity keeps fully masked rows (padding queries) free of NaN.
import * as tf from '@tensorflow/tfjs-core';
import { attentionCore } from './fused.js';
import { Dense } from './layers.js';
import type { ParamStore } from './params.js';

export const MASK_VALUE = -1e9;

/**
 * Projected keys and values split into heads, both [batch, heads, keys, headDim] (so a
 * decoding step appends its key with a concat along axis 2: whole rows, where the earlier
 * pre-transposed key layout appended one float per row and was the slowest op of sampling).
 */
export interface KeysValues {
  k: tf.Tensor4D;
  v: tf.Tensor4D;
  /**
   * k transposed, [batch, heads, headDim, keys], for keys that many calls attend to (a
   * decoder's encoder memory): the fused kernel reads it instead of transposing k into
   * scratch on every call, which for a single decoding query was most of the call. Must be
   * exactly tf.transpose(k, [0, 1, 3, 2]); it gets no gradient (k carries it).
   */
  kT?: tf.Tensor4D;
}

/** `kv` with its keys transposed once (KeysValues.kT), for attending to it many times. */
export function withKeysTransposed(kv: KeysValues): Required<KeysValues> {
  return { k: kv.k, v: kv.v, kT: tf.transpose(kv.k, [0, 1, 3, 2]) as tf.Tensor4D };
}

/** Additive causal mask [1, t, t]: query i sees keys 0..i. */
export function causalMask(t: number): tf.Tensor3D {
  const m = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) m[i * t + j] = MASK_VALUE;
  return tf.tensor3d(m, [1, t, t]);
}

/** Additive key-padding mask [batch, 1, keys] from a 0/1 validity tensor [batch, keys]. */
export function paddingMask(valid: tf.Tensor2D): tf.Tensor3D {
  return tf.expandDims(tf.mul(tf.sub(1, valid), MASK_VALUE), 1) as tf.Tensor3D;
}

/** Additive key-padding mask [batch, 1, keys] from per-row valid lengths (keys >= len are masked). */
export function lengthMask(lengths: ArrayLike<number>, keys: number): tf.Tensor3D {
  const m = new Float32Array(lengths.length * keys);
  for (let b = 0; b < lengths.length; b++) {
    for (let j = lengths[b] as number; j < keys; j++) m[b * keys + j] = MASK_VALUE;
  }
  return tf.tensor3d(m, [lengths.length, 1, keys]);
}

export class MultiHeadAttention {
  readonly q: Dense;
  readonly k: Dense;
  readonly v: Dense;
  readonly out: Dense;
  readonly headDim: number;

  constructor(
    store: ParamStore,
    name: string,
    readonly dim: number,
    readonly heads: number,
  ) {
    if (dim % heads !== 0) throw new Error(`attention dim ${dim} is not divisible by ${heads} heads`);
    this.headDim = dim / heads;
    this.q = new Dense(store, `${name}/q`, dim, dim);
    this.k = new Dense(store, `${name}/k`, dim, dim);
    this.v = new Dense(store, `${name}/v`, dim, dim);
    this.out = new Dense(store, `${name}/out`, dim, dim);
  }

  /** [batch, t, dim] -> [batch, heads, t, headDim]. */
  private splitHeads(x: tf.Tensor): tf.Tensor4D {
    const [b, t] = x.shape as [number, number, number];
    return tf.transpose(tf.reshape(x, [b, t, this.heads, this.headDim]), [0, 2, 1, 3]) as tf.Tensor4D;
  }

  /** Project a memory [batch, keys, dim] once, so decoding steps can reuse it. */
  keysValues(memory: tf.Tensor): KeysValues {
    return { k: this.splitHeads(this.k.apply(memory)), v: this.splitHeads(this.v.apply(memory)) };
  }

  /**
   * queries [batch, q, dim] attend to `kv`; `mask` is additive and broadcasts to
   * [batch, q, keys] (e.g. [1, q, keys] causal, [batch, 1, keys] padding). Returns [batch, q, dim].
   */
  attend(queries: tf.Tensor, kv: KeysValues, mask?: tf.Tensor): tf.Tensor {
    const [b, t] = queries.shape as [number, number, number];
    const q = this.splitHeads(tf.mul(this.q.apply(queries), 1 / Math.sqrt(this.headDim)));
    // softmax(q k^T + mask) v: one fused kernel each way on wasm (nn/fused.ts).
    const ctx = attentionCore(q, kv.k, kv.v, mask, kv.kT); // [batch, heads, q, headDim]
    const merged = tf.reshape(tf.transpose(ctx, [0, 2, 1, 3]), [b, t, this.dim]);
    return this.out.apply(merged);
  }

  /** Attention of `queries` over `memory` (pass the same tensor twice for self-attention). */
  apply(queries: tf.Tensor, memory: tf.Tensor, mask?: tf.Tensor): tf.Tensor {
    return this.attend(queries, this.keysValues(memory), mask);
  }
}
