// Adam checked against an independent float64 reference of AdamW (Kingma & Ba 2015,
// Algorithm 1, with the decoupled weight decay of Loshchilov & Hutter 2019 scaled by the
// learning rate, as in PyTorch's AdamW) over hundreds of steps: moments that must decay,
// bias correction that must keep changing, weight decay on matrices only, a learning rate
// changed between steps, a parameter without a gradient on some steps, and clipping.
//
// Broken variants these tests kill (each applied to adam.ts and seen to fail):
//   - second moment never decaying (v kept, not multiplied by beta2) -> "matches ... AdamW"
//   - bias correction frozen at step 1                              -> "matches ... AdamW"
//   - weight decay not scaled by the learning rate                  -> "matches ... AdamW"
//   - weight decay on biases (rank-1 parameters)                    -> "matches ... AdamW"
//   - first moment not decaying / beta1 ignored                      -> "matches ... AdamW"
//   - global-norm clipping not applied                               -> "... clipping"
import { Rng } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { Adam, type AdamOptions } from './adam.js';
import { ParamStore } from './params.js';

interface RefParam {
  shape: number[];
  p: Float64Array;
  m: Float64Array;
  v: Float64Array;
}

/** Textbook AdamW in float64: bias-corrected moments, eps outside the square root, decay lr * wd * p. */
class ReferenceAdamW {
  t = 0;
  constructor(
    readonly params: Map<string, RefParam>,
    readonly o: Required<AdamOptions>,
  ) {}

  step(grads: Map<string, Float64Array>, lr: number): void {
    this.t += 1;
    const { beta1, beta2, eps, weightDecay, clipNorm } = this.o;
    let sq = 0;
    for (const g of grads.values()) for (const x of g) sq += x * x;
    const norm = Math.sqrt(sq);
    const scale = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1;
    for (const [name, g0] of grads) {
      const q = this.params.get(name) as RefParam;
      const decays = q.shape.length >= 2;
      for (let i = 0; i < q.p.length; i++) {
        const g = (g0[i] as number) * scale;
        q.m[i] = beta1 * (q.m[i] as number) + (1 - beta1) * g;
        q.v[i] = beta2 * (q.v[i] as number) + (1 - beta2) * g * g;
        const mHat = (q.m[i] as number) / (1 - beta1 ** this.t);
        const vHat = (q.v[i] as number) / (1 - beta2 ** this.t);
        const p = q.p[i] as number;
        q.p[i] = p - lr * (mHat / (Math.sqrt(vHat) + eps)) - (decays ? lr * weightDecay * p : 0);
      }
    }
  }
}

const SHAPES: Record<string, number[]> = { w: [3, 4], b: [4], table: [5, 2] };

function expectClose(
  what: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rel: number,
  abs: number,
): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i] as number;
    const err = Math.abs((actual[i] as number) - e) / (abs + rel * Math.abs(e));
    worst = Math.max(worst, err);
  }
  // worst error in units of the tolerance abs + rel * |expected|
  expect(worst, what).toBeLessThan(1);
}

/** Run `steps` updates of Adam and of the reference on the same gradient stream; compare as it goes. */
function compare(options: Required<AdamOptions>, steps: number, gradScale: (step: number) => number): void {
  const rng = new Rng(17);
  const store = new ParamStore(new Rng(1));
  const ref = new Map<string, RefParam>();
  for (const [name, shape] of Object.entries(SHAPES)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const init = Float64Array.from(rng.normalArray(n));
    const v = store.create(name, shape, { kind: 'zeros' });
    tf.tidy(() => v.assign(tf.tensor(Float32Array.from(init), shape)));
    ref.set(name, {
      shape,
      p: Float64Array.from(v.dataSync()),
      m: new Float64Array(n),
      v: new Float64Array(n),
    });
  }
  const adam = new Adam(store, options);
  const reference = new ReferenceAdamW(ref, options);
  for (let step = 0; step < steps; step++) {
    // A learning-rate schedule set from outside between steps (linear decay to a tenth).
    const lr = options.lr * (1 - (0.9 * step) / steps);
    adam.lr = lr;
    const grads = new Map<string, Float64Array>();
    for (const [name, shape] of Object.entries(SHAPES)) {
      // The table gets no gradient on odd steps (its rows were not looked up): left alone.
      if (name === 'table' && step % 2 === 1) continue;
      const n = shape.reduce((a, b) => a * b, 1);
      // Gradients built from float32 values so both sides see exactly the same numbers.
      const g = Float32Array.from(
        rng.normalArray(n),
        (x, i) => (x + 0.3 * Math.sin(i + step)) * gradScale(step),
      );
      grads.set(name, Float64Array.from(g));
    }
    const tensors = new Map(
      [...grads].map(([name, g]) => [name, tf.tensor(Float32Array.from(g), SHAPES[name])]),
    );
    adam.step(tensors);
    tf.dispose([...tensors.values()]);
    reference.step(grads, lr);
    if (step % 25 === 24 || step === steps - 1) {
      for (const [name, q] of ref)
        expectClose(`${name} after step ${step + 1}`, store.get(name).dataSync(), q.p, 1e-4, 2e-5);
    }
  }
  const state = adam.exportState();
  expect(adam.stepCount).toBe(steps);
  for (const [name, q] of ref) {
    expectClose(`m/${name}`, state.get(`adam/m/${name}`)!.values, q.m, 1e-3, 1e-7);
    expectClose(`v/${name}`, state.get(`adam/v/${name}`)!.values, q.v, 1e-3, 1e-9);
  }
  adam.dispose();
  store.dispose();
}

describe('Adam against a float64 AdamW reference', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('matches the reference AdamW over 300 steps (moment decay, bias correction, weight decay on matrices only, lr schedule)', () => {
    // Fast-decaying moments and a gradient scale that drops a hundredfold at step 150: a
    // second moment that does not decay, or a bias correction that stops moving, leaves the
    // step sizes wrong by large factors after the drop.
    compare({ lr: 0.01, beta1: 0.8, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, clipNorm: 0 }, 300, (step) =>
      step < 150 ? 1 : 0.01,
    );
  });

  it('names a gradient without optimizer state and a checkpoint without it', () => {
    const store = new ParamStore(new Rng(2));
    store.create('w', [2, 2], { kind: 'zeros' });
    const adam = new Adam(store, { lr: 0.1 });
    const g = tf.zeros([2, 2]);
    expect(() => adam.step(new Map([['nope', g]]))).toThrow(/'nope'/);
    const state = adam.exportState();
    state.delete('adam/v/w');
    expect(() => adam.importState(state, 3)).toThrow(/checkpoint lacks optimizer state 'v\/w'/);
    g.dispose();
    adam.dispose();
    store.dispose();
  });

  it('matches the reference with the default betas and global-norm clipping', () => {
    // Gradient norms are about 4-5 here, so a clip at 1 is active on every step.
    compare(
      { lr: 0.005, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, clipNorm: 1 },
      120,
      (step) => (step % 10 === 0 ? 3 : 1),
    );
  });
});
