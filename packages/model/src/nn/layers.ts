// Basic layers as explicit tfjs-core ops (so they train on wasm, cpu and tfjs-node alike):
// Dense, Embedding, LayerNorm and the position-wise feed-forward block. Layer norm is
// nn/fused.ts's (one wasm kernel each way; plain ops elsewhere), not tfjs's, whose
// gradient is very slow on wasm.
// Each layer takes its parameters from a ParamStore under a name prefix.
import * as tf from '@tensorflow/tfjs-core';
import { installWasmKernels } from '../backend/wasm-kernels.js';
import { layerNorm } from './fused.js';
import type { ParamStore } from './params.js';
import { installWasmRowGather } from './wasm-gather.js';

/**
 * x [n, k] times w [k, m]; tfjs derives dx = dy w^T and dw = x^T dy with transpose flags.
 * On wasm those run on GloRank's SIMD BatchMatMul (backend/wasm-kernels.ts), which takes
 * transposed operands at full speed (tfjs-wasm's own kernel ran them 5-15x slower, so an
 * earlier version transposed explicitly first: two extra kernels per backward product).
 */
export function matMul2d(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(x, w);
}

/** y = x W + b over the last axis; x is [..., inDim]. W is stored [inDim, outDim] (no transpose). */
export class Dense {
  readonly w: tf.Variable;
  readonly b: tf.Variable | null;

  constructor(
    store: ParamStore,
    name: string,
    readonly inDim: number,
    readonly outDim: number,
    options: { bias?: boolean } = {},
  ) {
    this.w = store.create(`${name}/w`, [inDim, outDim], { kind: 'glorot' });
    this.b = options.bias === false ? null : store.create(`${name}/b`, [outDim], { kind: 'zeros' });
    installWasmKernels();
  }

  apply(x: tf.Tensor): tf.Tensor {
    const lead = x.shape.slice(0, -1);
    // Rank-2 matmul is the fast path on every backend (no broadcasting batch matmul).
    const x2 = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, this.inDim]);
    let y: tf.Tensor = matMul2d(x2 as tf.Tensor2D, this.w as tf.Tensor2D);
    if (this.b !== null) y = tf.add(y, this.b);
    return x.rank === 2 ? y : tf.reshape(y, [...lead, this.outDim]);
  }
}

/** Lookup table: ids of any shape (int32) -> [...ids.shape, dim]. */
export class Embedding {
  readonly table: tf.Variable;

  constructor(
    store: ParamStore,
    name: string,
    readonly count: number,
    readonly dim: number,
    options: { std?: number } = {},
  ) {
    this.table = store.create(`${name}/table`, [count, dim], { kind: 'normal', std: options.std ?? 0.02 });
    installWasmRowGather();
  }

  apply(ids: tf.Tensor): tf.Tensor {
    const flat = ids.rank === 1 ? ids : tf.reshape(ids, [-1]);
    const rows = tf.gather(this.table, flat as tf.Tensor1D);
    return ids.rank === 1 ? rows : tf.reshape(rows, [...ids.shape, this.dim]);
  }
}

/** Layer normalisation over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta. */
export class LayerNorm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;

  constructor(
    store: ParamStore,
    name: string,
    readonly dim: number,
    readonly eps = 1e-5,
  ) {
    this.gamma = store.create(`${name}/gamma`, [dim], { kind: 'ones' });
    this.beta = store.create(`${name}/beta`, [dim], { kind: 'zeros' });
  }

  apply(x: tf.Tensor): tf.Tensor {
    return layerNorm(x, this.gamma, this.beta, this.eps);
  }
}

export type Activation = 'relu' | 'gelu';

/** GELU, tanh approximation (as GPT-2 and PyTorch's approximate='tanh'). */
export function gelu(x: tf.Tensor): tf.Tensor {
  const c = Math.sqrt(2 / Math.PI);
  const inner = tf.mul(c, tf.add(x, tf.mul(0.044715, tf.mul(x, tf.square(x)))));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

export function activate(x: tf.Tensor, kind: Activation): tf.Tensor {
  return kind === 'relu' ? tf.relu(x) : gelu(x);
}

/** Position-wise feed-forward block: Dense(d -> hidden), activation, Dense(hidden -> d). */
export class FeedForward {
  readonly up: Dense;
  readonly down: Dense;

  constructor(
    store: ParamStore,
    name: string,
    dim: number,
    hidden: number,
    readonly activation: Activation = 'relu',
  ) {
    this.up = new Dense(store, `${name}/up`, dim, hidden);
    this.down = new Dense(store, `${name}/down`, hidden, dim);
  }

  apply(x: tf.Tensor): tf.Tensor {
    return this.down.apply(activate(this.up.apply(x), this.activation));
  }
}

export { layerNorm };
