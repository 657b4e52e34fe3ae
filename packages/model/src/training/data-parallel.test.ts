import { Rng } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { demonstrationSlate } from '../glorank/demonstrations.js';
import { GloRankModel } from '../glorank/model.js';
import { contentCodes, TINY_MODEL_CONFIG, tinyBenchmark } from '../glorank/test-support/tiny-benchmark.js';
import { silentLogger } from '../methods/reranker.js';
import { ParamStore } from '../nn/params.js';
import { type BatchGrads, evenRanges, GradientPool, sftShards } from './data-parallel.js';
import { DEFAULT_GRPO_CONFIG, trainGrpo } from './grpo.js';
import { joinRolloutParts, type RolloutPart, sampleShard, shardUniforms } from './rollout-shard.js';
import { DEFAULT_SFT_CONFIG, trainSft } from './sft.js';
import type { LossShard } from './shard-loss.js';

// The workers run the built package (dist/); turbo builds it before the tests.
const ds = tinyBenchmark();
const codes = contentCodes(ds);
const train = ds.requests.filter((r) => r.split === 'train');
const modelConfig = TINY_MODEL_CONFIG;
const newModel = (seed = 7): GloRankModel =>
  new GloRankModel(new ParamStore(new Rng(seed).fork('init')), codes, modelConfig);

async function gradsWith(model: GloRankModel, threads: number, shards: (t: number) => LossShard[]) {
  const pool = await GradientPool.start(model, threads);
  try {
    pool.load(shards(pool.threads));
    return await pool.valueAndGrads();
  } finally {
    await pool.close();
  }
}

function expectSameGrads(a: BatchGrads, b: BatchGrads): void {
  // float32 sums in another order: equal to a relative 1e-6.
  const close = (x: number, y: number): void => {
    expect(Math.abs(x - y)).toBeLessThan(1e-6 * Math.max(1, Math.abs(x)));
  };
  close(a.loss, b.loss);
  expect(b.stats.length).toBe(a.stats.length);
  for (let i = 0; i < a.stats.length; i++) close(a.stats[i] as number, b.stats[i] as number);
  expect([...b.grads.keys()].sort()).toEqual([...a.grads.keys()].sort());
  let worst = 0;
  let scale = 0;
  for (const [name, g] of a.grads) {
    const x = g.dataSync();
    const y = (b.grads.get(name) as tf.Tensor).dataSync();
    for (let i = 0; i < x.length; i++) {
      worst = Math.max(worst, Math.abs((x[i] as number) - (y[i] as number)));
      scale = Math.max(scale, Math.abs(x[i] as number));
    }
  }
  expect(scale).toBeGreaterThan(0);
  expect(worst).toBeLessThan(1e-5 * Math.max(1, scale));
  for (const g of [...a.grads.values(), ...b.grads.values()]) g.dispose();
}

describe('data-parallel gradients', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });
  afterAll(() => tf.disposeVariables());

  it('splits a batch into contiguous near-equal ranges', () => {
    expect(evenRanges(10, 3)).toEqual([
      [0, 3],
      [3, 6],
      [6, 10],
    ]);
    expect(evenRanges(2, 4)).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });

  it('SFT: the gradient from 3 threads equals the one-thread gradient of the batch mean', async () => {
    const model = newModel();
    const batch = train.slice(0, 11);
    const targets = batch.map((r) => demonstrationSlate(r, 4));
    // Uneven weights, one slate weightless: the normaliser is the batch's total weight.
    const weights = batch.map((_, i) => Float32Array.from([1, i % 3, 0.5, i === 4 ? 0 : 2]));
    for (const w of [undefined, weights]) {
      const one = await gradsWith(model, 1, (t) => sftShards(batch, targets, w, t));
      const three = await gradsWith(model, 3, (t) => sftShards(batch, targets, w, t));
      expectSameGrads(one, three);
    }
    model.store.dispose();
  });

  it('GRPO: the clipped-ratio loss, its statistics and gradient match across 1 and 2 threads', async () => {
    const model = newModel();
    const batch = train.slice(0, 5);
    const G = 3;
    const T = model.steps;
    const rng = new Rng(11);
    const rows = batch.length * G;
    const tokens = new Int32Array(rows * T);
    for (let i = 0; i < rows; i++) {
      const r = batch[Math.floor(i / G)]!;
      const slate = rng.shuffle(Array.from(r.candidates, (_, k) => k)).slice(0, 4);
      tokens.set(model.slateTokens(r, slate), i * T);
    }
    // Old and reference log-probabilities around the current policy's, so some ratios clip.
    const logp = () => Float32Array.from({ length: rows * T }, () => -1 - rng.next());
    const whole = {
      oldLogProbs: logp(),
      refLogProbs: logp(),
      advantages: Float32Array.from({ length: rows }, () => rng.normal()),
    };
    const loss = { clip: 0.2, klCoef: 0.1, entropyCoef: 0.01, temperature: 1 };
    const shards = (t: number): LossShard[] =>
      evenRanges(batch.length, t).map(([a, b]) => ({
        kind: 'grpo',
        requests: batch.slice(a, b),
        rowRequest: Int32Array.from({ length: (b - a) * G }, (_, i) => Math.floor(i / G)),
        tokens: tokens.slice(a * G * T, b * G * T),
        oldLogProbs: whole.oldLogProbs.slice(a * G * T, b * G * T),
        refLogProbs: whole.refLogProbs.slice(a * G * T, b * G * T),
        advantages: whole.advantages.slice(a * G, b * G),
        loss,
      }));
    const one = await gradsWith(model, 1, shards);
    expect(one.stats).toHaveLength(3);
    expect(one.stats[1]).toBeGreaterThan(0); // some ratios are clipped
    expectSameGrads(one, await gradsWith(model, 2, shards));
    model.store.dispose();
  });

  it('RL rollout: slates and old/reference log-probabilities from 3 threads are those of one, bit for bit', async () => {
    const policy = newModel(4);
    const reference = newModel(5);
    const batch = train.slice(0, 7);
    const G = 3;
    const T = policy.steps;
    const rows = batch.length * G;
    const roll = async (threads: number): Promise<RolloutPart> => {
      const pool = await GradientPool.start(policy, threads);
      try {
        pool.setReference(reference);
        const ranges = evenRanges(batch.length, pool.threads);
        const rng = new Rng(21);
        const uniforms = shardUniforms(
          () => rng.next(),
          T,
          rows,
          ranges.map(([a, b]) => [a * G, b * G]),
        );
        const parts = await pool.rollout(
          reference,
          ranges.map(([a, b], i) => ({
            requests: batch.slice(a, b),
            group: G,
            temperature: 0.9,
            uniforms: uniforms[i] as Float64Array,
          })),
        );
        expect(parts).toHaveLength(threads);
        return joinRolloutParts(parts);
      } finally {
        await pool.close();
      }
    };
    const one = await roll(1);
    expect(one.tokens).toHaveLength(rows * T);
    // Policy and reference differ, so their log-probabilities do too; all are finite and <= 0.
    expect(Array.from(one.oldLogProbs).every((v) => Number.isFinite(v) && v <= 0)).toBe(true);
    expect(Array.from(one.oldLogProbs)).not.toEqual(Array.from(one.refLogProbs));
    const three = await roll(3);
    expect(Array.from(three.tokens)).toEqual(Array.from(one.tokens));
    expect(Array.from(three.slates)).toEqual(Array.from(one.slates));
    expect(Array.from(three.oldLogProbs)).toEqual(Array.from(one.oldLogProbs));
    expect(Array.from(three.refLogProbs)).toEqual(Array.from(one.refLogProbs));
    // The replayed uniforms are consumed whole: one too few is an error, not a silent redraw.
    const short = {
      requests: batch.slice(0, 1),
      group: G,
      temperature: 1,
      uniforms: new Float64Array(G * T - 1),
    };
    expect(() => sampleShard(policy, reference, short)).toThrow(/uniforms/);
    policy.store.dispose();
    reference.store.dispose();
  });

  it('trainSft and trainGrpo with 2 workers reach the weights of one thread', async () => {
    const runSft = async (workers: number) => {
      const model = newModel(3);
      await trainSft({
        model,
        requests: train,
        config: { ...DEFAULT_SFT_CONFIG, epochs: 1, batchSize: 16, workers },
        seed: 5,
        logger: silentLogger,
      });
      return model;
    };
    const a = await runSft(1);
    const b = await runSft(2);
    const reward = (_: unknown, slates: readonly Int32Array[]) =>
      Float64Array.from(slates, (s) => s.reduce((x, item) => x + (item % 7), 0));
    for (const [model, workers] of [
      [a, 1],
      [b, 2],
    ] as const) {
      const reference = newModel(3);
      reference.store.copyFrom(model.store);
      await trainGrpo({
        policy: model,
        reference,
        reward,
        requests: train,
        config: { ...DEFAULT_GRPO_CONFIG, steps: 2, batchSize: 6, group: 4, checkpointEvery: 0, workers },
        seed: 9,
        logger: silentLogger,
      });
      reference.store.dispose();
    }
    let worst = 0;
    for (const name of a.store.names()) {
      const x = a.store.get(name).dataSync();
      const y = b.store.get(name).dataSync();
      for (let i = 0; i < x.length; i++)
        worst = Math.max(worst, Math.abs((x[i] as number) - (y[i] as number)));
    }
    // Adam's first steps move each weight by about the learning rate; float order moves them far less.
    expect(worst).toBeLessThan(1e-4);
    a.store.dispose();
    b.store.dispose();
  });

  it('reports a shard that fails in a worker with its error', async () => {
    const model = newModel();
    const pool = await GradientPool.start(model, 2);
    try {
      const good = train[0]!;
      const bad = { ...good, id: 999, candidates: Int32Array.from({ length: 3 }, (_, k) => k) };
      // The second shard's request has fewer candidates than the slate: its targets are invalid.
      pool.load([
        { kind: 'sft', requests: [good], targets: [demonstrationSlate(good, 4)] },
        { kind: 'sft', requests: [bad], targets: [Int32Array.from([0, 1, 2, 7])] },
      ]);
      await expect(pool.valueAndGrads()).rejects.toThrow(/data-parallel worker/);
    } finally {
      await pool.close();
      model.store.dispose();
    }
  });
});
