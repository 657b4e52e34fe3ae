// A GRU (Cho et al. 2014) as explicit tfjs ops on nn's Dense layers, for the recurrent
// baselines (DLCM's list encoder, Seq2Slate's pointer network). Input projections of all
// time steps are computed in one matmul; only the recurrent part runs step by step.
import * as tf from '@tensorflow/tfjs-core';
import { Dense, type ParamStore } from '../nn/index.js';

export class Gru {
  private readonly input: Dense;
  private readonly recurrent: Dense;

  constructor(
    store: ParamStore,
    name: string,
    readonly inDim: number,
    readonly hidden: number,
  ) {
    // Gates stacked [reset | update | candidate] along the output axis.
    this.input = new Dense(store, `${name}/x`, inDim, 3 * hidden);
    this.recurrent = new Dense(store, `${name}/h`, hidden, 3 * hidden);
  }

  /** One step: x [B, in] (or its projection when `projected`), h [B, hidden] -> h' [B, hidden]. */
  step(x: tf.Tensor2D, h: tf.Tensor2D, projected = false): tf.Tensor2D {
    const gx = projected ? x : (this.input.apply(x) as tf.Tensor2D);
    const gh = this.recurrent.apply(h) as tf.Tensor2D;
    const [xr, xz, xn] = tf.split(gx, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const [hr, hz, hn] = tf.split(gh, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const r = tf.sigmoid(tf.add(xr, hr));
    const z = tf.sigmoid(tf.add(xz, hz));
    const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
    return tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h)) as tf.Tensor2D;
  }

  /**
   * Run over xs [B, T, in]. `valid` [B, T] (0/1) keeps the state unchanged over padded steps.
   * Returns every state [B, T, hidden] and the last one [B, hidden].
   */
  run(
    xs: tf.Tensor3D,
    valid?: tf.Tensor2D,
    initial?: tf.Tensor2D,
    reverse = false,
  ): { outputs: tf.Tensor3D; last: tf.Tensor2D } {
    const [B, T] = xs.shape;
    const gx = tf.reshape(this.input.apply(xs), [B, T, 3 * this.hidden]);
    const steps = tf.unstack(gx, 1) as tf.Tensor2D[];
    const masks = valid ? (tf.unstack(tf.expandDims(valid, 2), 1) as tf.Tensor2D[]) : null;
    let h = initial ?? (tf.zeros([B, this.hidden]) as tf.Tensor2D);
    const outputs: tf.Tensor2D[] = new Array(T);
    for (let k = 0; k < T; k++) {
      const t = reverse ? T - 1 - k : k;
      const next = this.step(steps[t] as tf.Tensor2D, h, true);
      const m = masks?.[t];
      h = m ? (tf.add(tf.mul(m, next), tf.mul(tf.sub(1, m), h)) as tf.Tensor2D) : next;
      outputs[t] = h;
    }
    return { outputs: tf.stack(outputs, 1) as tf.Tensor3D, last: h };
  }
}
