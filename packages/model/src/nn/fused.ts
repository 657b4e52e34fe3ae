// Attention core and layer norm as single forward ops with hand-written gradients. On the
// wasm backend each is one GloRank kernel forward and one backward (backend/wasm-kernels.ts)
// where tfjs ops took 5-8 forward and 10-20 backward kernels, each with its own per-op
// overhead; elsewhere (cpu, tfjs-node) they are the same maths as plain tfjs ops.
import * as tf from '@tensorflow/tfjs-core';
import {
  FUSED_ATTENTION,
  FUSED_ATTENTION_GRAD,
  FUSED_LAYER_NORM,
  FUSED_LAYER_NORM_GRAD,
  fusedKernelsAvailable,
} from '../backend/wasm-kernels.js';

/** Whether the fused kernels serve the active backend (checked per call: tests switch backends). */
function fusedHere(): boolean {
  return tf.getBackend() === 'wasm' && fusedKernelsAvailable(tf.backend());
}

/** softmax(q k^T + mask) v with plain tfjs ops; q [B, H, Tq, D] already scaled, k and v [B, H, Tk, D]. */
export function attentionCoreOps(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  mask?: tf.Tensor,
): tf.Tensor4D {
  let scores: tf.Tensor = tf.matMul(q, k, false, true); // [B, H, Tq, Tk]
  if (mask !== undefined) scores = tf.add(scores, tf.expandDims(mask, 1));
  return tf.matMul(tf.softmax(scores) as tf.Tensor4D, v);
}

type Grad = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];

// The mask and a pre-transposed k are kernel inputs but not gradient inputs (the mask is a
// constant of the batch, kT a copy of k, whose gradient k carries): they reach the forward
// function through this variable, set around the synchronous call.
let currentExtras: { mask?: tf.Tensor; kT?: tf.Tensor } = {};

const fusedAttention = tf.customGrad(
  // biome-ignore lint/suspicious/noExplicitAny: tf.customGrad's signature is untyped varargs
  ((q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, save: tf.GradSaveFunc): any => {
    const inputs: tf.NamedTensorMap = { q, k, v };
    if (currentExtras.mask !== undefined) inputs.mask = currentExtras.mask;
    if (currentExtras.kT !== undefined) inputs.kT = currentExtras.kT;
    const [ctx, probs] = tf.engine().runKernel(FUSED_ATTENTION, inputs, {}) as tf.Tensor[];
    save([q, k, v, probs as tf.Tensor]);
    const gradFunc: Grad = (dy, saved) => {
      const [sq, sk, sv, sp] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      return tf
        .engine()
        .runKernel(FUSED_ATTENTION_GRAD, { dy, q: sq, k: sk, v: sv, probs: sp }, {}) as tf.Tensor[];
    };
    return { value: ctx, gradFunc };
  }) as never,
) as unknown as (q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D) => tf.Tensor4D;

/**
 * softmax(q k^T + mask) v per batch row and head: q [B, H, Tq, D] (already scaled), k and v
 * [B, H, Tk, D], mask additive [B or 1, Tq or 1, Tk]. Returns [B, H, Tq, D]. The mask gets
 * no gradient. `kT`, when given, is k transposed [B, H, D, Tk] (KeysValues.kT): the fused
 * kernel then reads it rather than transposing k itself (same products, same bits).
 */
export function attentionCore(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  mask?: tf.Tensor,
  kT?: tf.Tensor4D,
): tf.Tensor4D {
  const [B, H, Tq, D] = q.shape;
  const [kb, kh, Tk, kd] = k.shape;
  const maskOk =
    mask === undefined ||
    (mask.rank === 3 &&
      (mask.shape[0] === 1 || mask.shape[0] === B) &&
      (mask.shape[1] === 1 || mask.shape[1] === Tq) &&
      mask.shape[2] === Tk &&
      mask.dtype === 'float32');
  const shapesOk =
    kb === B &&
    kh === H &&
    kd === D &&
    v.shape.every((n, i) => n === [B, H, Tk, D][i]) &&
    q.dtype === 'float32';
  // A kT that cannot be k's transpose is a caller's bug, not a case to fall back from.
  if (kT !== undefined && (kT.dtype !== k.dtype || kT.shape.some((n, i) => n !== [kb, kh, kd, Tk][i])))
    throw new Error(`attention: kT of shape [${kT.shape}] is not k [${k.shape}] transposed`);
  // The ops need no kT: their matMul reads k transposed itself.
  if (!fusedHere() || !maskOk || !shapesOk) return attentionCoreOps(q, k, v, mask);
  currentExtras = { mask, kT };
  try {
    return fusedAttention(q, k, v);
  } finally {
    currentExtras = {};
  }
}

/** Layer norm as plain differentiable ops (mean, square, rsqrt). */
export function layerNormOps(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = 1e-5): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), -1, true);
  const normed = tf.mul(centered, tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(normed, gamma), beta);
}

const fusedLayerNorms = new Map<number, (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor>();

function fusedLayerNorm(eps: number): (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor {
  let f = fusedLayerNorms.get(eps);
  if (f === undefined) {
    f = tf.customGrad(
      // biome-ignore lint/suspicious/noExplicitAny: tf.customGrad's signature is untyped varargs
      ((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc): any => {
        const [y, mean, rstd] = tf
          .engine()
          .runKernel(FUSED_LAYER_NORM, { x, gamma, beta }, { eps }) as tf.Tensor[];
        save([x, gamma, mean as tf.Tensor, rstd as tf.Tensor]);
        const gradFunc: Grad = (dy, saved) => {
          const [sx, sg, sm, sr] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          return tf
            .engine()
            .runKernel(
              FUSED_LAYER_NORM_GRAD,
              { dy, x: sx, gamma: sg, mean: sm, rstd: sr },
              {},
            ) as tf.Tensor[];
        };
        return { value: y, gradFunc };
      }) as never,
    ) as unknown as (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;
    fusedLayerNorms.set(eps, f);
  }
  return f;
}

/** Layer normalisation over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = 1e-5): tf.Tensor {
  const d = x.shape[x.rank - 1];
  const ok =
    x.dtype === 'float32' &&
    gamma.rank === 1 &&
    beta.rank === 1 &&
    gamma.shape[0] === d &&
    beta.shape[0] === d;
  if (!fusedHere() || !ok) return layerNormOps(x, gamma, beta, eps);
  return fusedLayerNorm(eps)(x, gamma, beta);
}
