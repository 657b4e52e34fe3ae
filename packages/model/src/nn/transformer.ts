// Pre-norm transformer blocks (x + f(LN(x))), the form that trains stably without warm-up
// at the small sizes used here. EncoderBlock: self-attention + feed-forward. DecoderBlock:
// (causal) self-attention, cross-attention to an encoder memory, feed-forward.
import * as tf from '@tensorflow/tfjs-core';
import { type KeysValues, MultiHeadAttention } from './attention.js';
import { type Activation, FeedForward, LayerNorm } from './layers.js';
import type { ParamStore } from './params.js';

export interface BlockOptions {
  dim: number;
  heads: number;
  /** Feed-forward hidden width (typically 2-4 x dim). */
  hidden: number;
  activation?: Activation;
}

export class EncoderBlock {
  readonly norm1: LayerNorm;
  readonly attn: MultiHeadAttention;
  readonly norm2: LayerNorm;
  readonly ff: FeedForward;

  constructor(store: ParamStore, name: string, o: BlockOptions) {
    this.norm1 = new LayerNorm(store, `${name}/ln1`, o.dim);
    this.attn = new MultiHeadAttention(store, `${name}/attn`, o.dim, o.heads);
    this.norm2 = new LayerNorm(store, `${name}/ln2`, o.dim);
    this.ff = new FeedForward(store, `${name}/ff`, o.dim, o.hidden, o.activation);
  }

  /** x [batch, t, dim]; mask additive, broadcastable to [batch, t, t]. */
  apply(x: tf.Tensor, mask?: tf.Tensor): tf.Tensor {
    const h = this.norm1.apply(x);
    const x1 = tf.add(x, this.attn.apply(h, h, mask));
    return tf.add(x1, this.ff.apply(this.norm2.apply(x1)));
  }
}

export class DecoderBlock {
  readonly norm1: LayerNorm;
  readonly selfAttn: MultiHeadAttention;
  readonly norm2: LayerNorm;
  readonly crossAttn: MultiHeadAttention;
  readonly norm3: LayerNorm;
  readonly ff: FeedForward;

  constructor(store: ParamStore, name: string, o: BlockOptions) {
    this.norm1 = new LayerNorm(store, `${name}/ln1`, o.dim);
    this.selfAttn = new MultiHeadAttention(store, `${name}/self`, o.dim, o.heads);
    this.norm2 = new LayerNorm(store, `${name}/ln2`, o.dim);
    this.crossAttn = new MultiHeadAttention(store, `${name}/cross`, o.dim, o.heads);
    this.norm3 = new LayerNorm(store, `${name}/ln3`, o.dim);
    this.ff = new FeedForward(store, `${name}/ff`, o.dim, o.hidden, o.activation);
  }

  /** Project the encoder memory once for cross-attention (reused across decoding steps). */
  memoryKV(memory: tf.Tensor): KeysValues {
    return this.crossAttn.keysValues(memory);
  }

  /**
   * x [batch, t, dim]; selfMask additive (e.g. causalMask(t)); memory is the encoder output
   * [batch, s, dim] or its projection from memoryKV; memoryMask additive [batch, 1, s].
   */
  apply(
    x: tf.Tensor,
    selfMask: tf.Tensor | undefined,
    memory: tf.Tensor | KeysValues,
    memoryMask?: tf.Tensor,
  ): tf.Tensor {
    const h1 = this.norm1.apply(x);
    const x1 = tf.add(x, this.selfAttn.apply(h1, h1, selfMask));
    const kv = memory instanceof tf.Tensor ? this.memoryKV(memory) : memory;
    const x2 = tf.add(x1, this.crossAttn.attend(this.norm2.apply(x1), kv, memoryMask));
    return tf.add(x2, this.ff.apply(this.norm3.apply(x2)));
  }

  /**
   * Incremental decoding: the output for the newest positions x [batch, 1, dim] given `past`,
   * the self-attention keys/values of every earlier position (null at the first). Equals the
   * last position of `apply` over the whole prefix with a causal mask; returns the cache
   * extended by this position.
   */
  step(
    x: tf.Tensor,
    past: KeysValues | null,
    memory: KeysValues,
    memoryMask?: tf.Tensor,
  ): { out: tf.Tensor; cache: KeysValues } {
    const h1 = this.norm1.apply(x);
    const own = this.selfAttn.keysValues(h1);
    const cache =
      past === null
        ? own
        : {
            k: tf.concat([past.k, own.k], 2) as tf.Tensor4D,
            v: tf.concat([past.v, own.v], 2) as tf.Tensor4D,
          };
    const x1 = tf.add(x, this.selfAttn.attend(h1, cache));
    const x2 = tf.add(x1, this.crossAttn.attend(this.norm2.apply(x1), memory, memoryMask));
    return { out: tf.add(x2, this.ff.apply(this.norm3.apply(x2))), cache };
  }
}
