import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng, UserError } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { useFusedKernels } from '../backend/wasm-kernels.js';
import { Adam } from './adam.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { Dense } from './layers.js';
import { ParamStore } from './params.js';

describe('Adam', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('first step moves each weight by lr * sign(grad) (bias-corrected Adam)', () => {
    const store = new ParamStore(new Rng(1));
    const p = store.create('p', [3], { kind: 'zeros' });
    tf.tidy(() => p.assign(tf.tensor1d([1, -2, 0.5])));
    const opt = new Adam(store, { lr: 0.1 });
    const g = tf.tensor1d([2, -0.5, 0.25]);
    opt.step(new Map([['p', g]]));
    const after = Array.from(p.dataSync());
    expect(after[0]).toBeCloseTo(0.9, 5);
    expect(after[1]).toBeCloseTo(-1.9, 5);
    expect(after[2]).toBeCloseTo(0.4, 5);
    g.dispose();
    opt.dispose();
    store.dispose();
  });

  it('fused wasm update (one GlorankAdam kernel per parameter) gives the bits of the cpu ops', async () => {
    // Five steps with clipping and decoupled decay on a matrix and a vector, on each backend.
    const run = async (backend: string, fused = true) => {
      expect(await tf.setBackend(backend)).toBe(true);
      useFusedKernels(fused);
      const rng = new Rng(9);
      const store = new ParamStore(rng.fork('init'));
      store.create('w', [5, 7], { kind: 'glorot' });
      store.create('b', [7], { kind: 'normal', std: 0.5 });
      const opt = new Adam(store, { lr: 0.01, clipNorm: 0.5, weightDecay: 0.1 });
      const kernels: string[] = [];
      for (let t = 0; t < 5; t++) {
        const grads = new Map<string, tf.Tensor>([
          ['w', tf.tensor2d(rng.normalArray(35), [5, 7])],
          ['b', tf.tensor1d(rng.normalArray(7))],
        ]);
        const info = await tf.profile(() => {
          opt.step(grads);
        });
        kernels.push(...info.kernels.map((k) => k.name));
        tf.dispose([...grads.values()]);
      }
      const out = [...store.exportArrays('p/'), ...opt.exportState('a/')].map(([k, a]) => [
        k,
        Array.from(a.values),
      ]);
      opt.dispose();
      store.dispose();
      useFusedKernels(true);
      return { out, kernels };
    };
    const ops = await run('wasm', false);
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    expect(wasm.kernels.filter((k) => k === 'GlorankAdam')).toHaveLength(10);
    expect(ops.kernels).not.toContain('GlorankAdam');
    expect(wasm.out).toEqual(ops.out);
    // And the cpu backend within float tolerance (it sums the squared gradients in another order).
    wasm.out.forEach(([, values], i) => {
      const ref = (cpu.out[i] as [string, number[]])[1];
      (values as number[]).forEach((x, j) => {
        expect(Math.abs(x - (ref[j] as number))).toBeLessThan(1e-6);
      });
    });
  });

  it('clips the global gradient norm', () => {
    const store = new ParamStore(new Rng(1));
    store.create('p', [2], { kind: 'zeros' });
    const opt = new Adam(store, { lr: 0.1, clipNorm: 1 });
    const g = tf.tensor1d([3, 4]);
    expect(opt.step(new Map([['p', g]]))).toBeCloseTo(5, 5);
    // After clipping the gradient is [0.6, 0.8]: m = 0.1 * that, v = 0.001 * its square.
    const state = opt.exportState();
    expect(Array.from(state.get('adam/m/p')!.values)).toEqual([
      expect.closeTo(0.06, 6),
      expect.closeTo(0.08, 6),
    ]);
    g.dispose();
    opt.dispose();
    store.dispose();
  });

  it('fits a linear regression', () => {
    const rng = new Rng(9);
    const store = new ParamStore(rng.fork('init'));
    const fc = new Dense(store, 'fc', 3, 1);
    const opt = new Adam(store, { lr: 0.05 });
    const X = tf.tensor2d(rng.normalArray(64 * 3), [64, 3]);
    const y = tf.tidy(() => tf.add(tf.matMul(X, tf.tensor2d([[1], [-2], [0.5]])), 0.3));
    let loss = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 300; i++) {
      const { value, grads } = store.valueAndGrads(() =>
        tf.tidy(() => tf.mean(tf.square(tf.sub(fc.apply(X), y))) as tf.Scalar),
      );
      loss = value.dataSync()[0]!;
      opt.step(grads);
      value.dispose();
      for (const g of grads.values()) g.dispose();
    }
    expect(loss).toBeLessThan(1e-3);
    expect(Array.from(fc.b!.dataSync())[0]).toBeCloseTo(0.3, 1);
    X.dispose();
    y.dispose();
    opt.dispose();
    store.dispose();
  });
});

describe('checkpoints', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  // Train `steps` steps of a tiny regression, optionally saving and reloading halfway.
  async function train(steps: number, resumeAt: number | null, dir: string): Promise<number[]> {
    const rng = new Rng(11);
    const data = rng.fork('data');
    let store = new ParamStore(rng.fork('init'));
    let fc = new Dense(store, 'fc', 4, 2);
    let opt = new Adam(store, { lr: 0.01, weightDecay: 0.01 });
    for (let step = 0; step < steps; step++) {
      if (step === resumeAt) {
        await saveCheckpoint(dir, {
          meta: { step, rng: data.getState(), adamSteps: opt.stepCount },
          arrays: new Map([...store.exportArrays('params/'), ...opt.exportState('adam/')]),
        });
        opt.dispose();
        store.dispose();
        const ck = await loadCheckpoint(dir);
        store = new ParamStore(new Rng(999)); // different init, overwritten by the load
        fc = new Dense(store, 'fc', 4, 2);
        store.importArrays(ck.arrays, 'params/');
        opt = new Adam(store, { lr: 0.01, weightDecay: 0.01 });
        opt.importState(ck.arrays, ck.meta.adamSteps as number, 'adam/');
        data.setState(ck.meta.rng as [number, number, number, number]);
      }
      const x = tf.tensor2d(data.normalArray(8 * 4), [8, 4]);
      const { value, grads } = store.valueAndGrads(() =>
        tf.tidy(() => tf.mean(tf.square(tf.sub(fc.apply(x), 1))) as tf.Scalar),
      );
      opt.step(grads);
      x.dispose();
      value.dispose();
      for (const g of grads.values()) g.dispose();
    }
    const out = Array.from(fc.w.dataSync());
    opt.dispose();
    store.dispose();
    return out;
  }

  it('save, load and continue gives exactly the uninterrupted result', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-ckpt-'));
    const straight = await train(20, null, path.join(dir, 'a'));
    const resumed = await train(20, 9, path.join(dir, 'b'));
    expect(resumed).toEqual(straight);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('rejects a damaged checkpoint and a checkpoint of another model with UserError', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-ckpt-'));
    const store = new ParamStore(new Rng(1));
    new Dense(store, 'fc', 2, 3);
    const ck = path.join(dir, 'ck');
    await saveCheckpoint(ck, { meta: { note: 'x' }, arrays: store.exportArrays('params/') });
    const loaded = await loadCheckpoint(ck);
    expect(loaded.meta).toEqual({ note: 'x' });
    expect(Array.from(loaded.arrays.get('params/fc/w')!.values)).toEqual(
      Array.from(store.get('fc/w').dataSync()),
    );
    const other = new ParamStore(new Rng(1));
    new Dense(other, 'fc', 2, 4);
    expect(() => other.importArrays(loaded.arrays, 'params/', ck)).toThrow(/fc\/w.*shape \[2, 3\].*\[2, 4\]/);
    const bin = path.join(ck, 'arrays.bin');
    const bytes = await fs.readFile(bin);
    bytes[0] = (bytes[0]! + 1) % 256;
    await fs.writeFile(bin, bytes);
    await expect(loadCheckpoint(ck)).rejects.toBeInstanceOf(UserError);
    await expect(loadCheckpoint(path.join(dir, 'nope'))).rejects.toThrow(/not a checkpoint/);
    store.dispose();
    other.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('creating and disposing a store and its optimizer leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    const store = new ParamStore(new Rng(3));
    new Dense(store, 'a', 4, 5);
    new Dense(store, 'b', 5, 2);
    // One tensor per variable: the weights and biases, nothing left from their initial values.
    expect(tf.memory().numTensors - before).toBe(4);
    const adam = new Adam(store, { lr: 0.1 });
    expect(tf.memory().numTensors - before).toBe(12);
    adam.dispose();
    store.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
