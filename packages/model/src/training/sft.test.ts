import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '@glorank/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { loadGloRankCheckpoint } from '../glorank/checkpoint-io.js';
import { demonstrationSlate, exposurePropensities, loggedSlate } from '../glorank/demonstrations.js';
import { GloRankModel } from '../glorank/model.js';
import { contentCodes, TINY_MODEL_CONFIG, tinyBenchmark } from '../glorank/test-support/tiny-benchmark.js';
import { silentLogger } from '../methods/reranker.js';
import { ParamStore } from '../nn/params.js';
import { resolveTrainConfig } from './config.js';
import { DEFAULT_SFT_CONFIG, demonstrationWeights, sftLoss, trainSft } from './sft.js';

const ds = tinyBenchmark();
const codes = contentCodes(ds);
const train = ds.requests.filter((r) => r.split === 'train');
const modelConfig = TINY_MODEL_CONFIG;
const sftConfig = { ...DEFAULT_SFT_CONFIG, epochs: 3, batchSize: 16, checkpointEvery: 4 };

function newModel(): GloRankModel {
  return new GloRankModel(new ParamStore(new Rng(7).fork('init')), codes, modelConfig);
}

describe('demonstrations', () => {
  it('takes the exposed items, clicked first, each group in retriever order (hand-worked)', () => {
    const r = {
      ...train[0]!,
      candidates: Int32Array.from([10, 11, 12, 13, 14]),
      labels: Float32Array.from([0, 1, 0, 1, 0]),
      initialScores: Float32Array.from([0.5, 0.1, 0.9, 0.3, 0.9]),
      // Shown order 14, 11, 13, 10; 12 (the best retriever score) was not shown.
      exposed: Int32Array.from([4, 1, 3, 0]),
    };
    // Clicked 11 (0.1) and 13 (0.3): 13 first; then unclicked shown 14 (0.9), 10 (0.5).
    expect(Array.from(demonstrationSlate(r, 4))).toEqual([3, 1, 4, 0]);
    // Only past the logged slate does an unexposed candidate fill in.
    expect(Array.from(demonstrationSlate(r, 5))).toEqual([3, 1, 4, 0, 2]);
    // The logged slate is the exposed list in shown order, not the retriever's top L.
    expect(Array.from(loggedSlate(r, 3))).toEqual([4, 1, 3]);
  });

  it('exposure propensities follow the Plackett-Luce logger (closed form for L = 1, top L at temperature 0)', () => {
    const r = {
      ...train[0]!,
      candidates: Int32Array.from([10, 11, 12]),
      labels: Float32Array.from([0, 1, 0]),
      initialScores: Float32Array.from([0, Math.log(2), Math.log(5)]),
      exposed: Int32Array.from([2]),
    };
    // L = 1: P(k shown) = exp(s_k) / sum exp(s) = 1/8, 2/8, 5/8.
    const p = exposurePropensities(r, 1, 1, 20000, new Rng(3));
    expect(p[0]!).toBeCloseTo(1 / 8, 1);
    expect(p[1]!).toBeCloseTo(2 / 8, 1);
    expect(p[2]!).toBeCloseTo(5 / 8, 1);
    // L = 2: every candidate's inclusion probability is 1 - P(it is last) and they sum to 2;
    // P(0 last) = P(2 then 1) + P(1 then 2) = 5/8 * 2/3 + 2/8 * 5/6 = 0.625.
    const q = exposurePropensities(r, 2, 1, 20000, new Rng(4));
    expect(q[0]! + q[1]! + q[2]!).toBeCloseTo(2, 6);
    expect(q[0]!).toBeCloseTo(1 - 0.625, 1);
    expect(Array.from(exposurePropensities(r, 2, 0, 10, new Rng(5)))).toEqual([0, 1, 1]);
  });

  it('weights only the clicked slots, by inverse propensity for ipw (clipped)', () => {
    const r = {
      ...train[0]!,
      candidates: Int32Array.from([10, 11, 12, 13]),
      labels: Float32Array.from([1, 0, 1, 0]),
      initialScores: Float32Array.from([0, 0, 0, 0]),
      exposed: Int32Array.from([0, 1, 2]),
    };
    const target = Int32Array.from([2, 0, 1]);
    const cfg = { maxWeight: 4 };
    expect(Array.from(demonstrationWeights(r, target, { ...cfg, weighting: 'uniform' }))).toEqual([1, 1, 1]);
    expect(Array.from(demonstrationWeights(r, target, { ...cfg, weighting: 'clicked' }))).toEqual([1, 1, 0]);
    const prop = Float64Array.from([0.5, 0.5, 0.1, 0.9]);
    expect(Array.from(demonstrationWeights(r, target, { ...cfg, weighting: 'ipw' }, prop))).toEqual([
      4, 2, 0,
    ]);
  });
});

describe('SFT', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('weighted loss: constant weights give the plain mean; zero weights drop slots', () => {
    const model = newModel();
    const rs = train.slice(0, 6);
    const targets = rs.map((r) => demonstrationSlate(r, 4));
    const plain = sftLoss(model, rs, targets);
    const twos = sftLoss(
      model,
      rs,
      targets,
      rs.map(() => Float32Array.from([2, 2, 2, 2])),
    );
    expect(twos.dataSync()[0]!).toBeCloseTo(plain.dataSync()[0]!, 5);
    // Weight only the first request's slots: the plain loss of that request alone.
    const first = sftLoss(model, rs.slice(0, 1), targets.slice(0, 1));
    const masked = sftLoss(
      model,
      rs,
      targets,
      rs.map((_, i) => Float32Array.from([1, 1, 1, 1].map((v) => (i === 0 ? v : 0)))),
    );
    expect(masked.dataSync()[0]!).toBeCloseTo(first.dataSync()[0]!, 4);
    for (const t of [plain, twos, first, masked]) t.dispose();
    model.store.dispose();
  });

  it('configuration accepts the weighting and the evaluator swap share, rejects bad values', () => {
    const c = resolveTrainConfig({ sft: { weighting: 'ipw' }, rewardModel: { unexposedSwaps: 1 } });
    expect(c.sft.weighting).toBe('ipw');
    expect(c.rewardModel.unexposedSwaps).toBe(1);
    expect(() => resolveTrainConfig({ sft: { weighting: 'clicks' } }, 'x.yaml')).toThrow(/sft\.weighting/);
    expect(() => resolveTrainConfig({ rewardModel: { unexposedSwaps: 2 } }, 'x.yaml')).toThrow(
      /rewardModel\.unexposedSwaps/,
    );
  });

  it('lowers the demonstration loss', async () => {
    const model = newModel();
    const targets = train.map((r) => demonstrationSlate(r, 4));
    const before = sftLoss(model, train, targets);
    const b = before.dataSync()[0]!;
    before.dispose();
    await trainSft({ model, requests: train, config: sftConfig, seed: 1, logger: silentLogger });
    const after = sftLoss(model, train, targets);
    expect(after.dataSync()[0]!).toBeLessThan(b * 0.8);
    after.dispose();
    model.store.dispose();
  });

  it('resumed training ends with exactly the weights of an uninterrupted run', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-sft-'));
    const straight = newModel();
    const r1 = await trainSft({
      model: straight,
      requests: train,
      config: sftConfig,
      seed: 1,
      logger: silentLogger,
    });
    // Interrupted after 6 steps (the last checkpoint is at step 4: the resume redoes 5 and 6).
    const first = newModel();
    const ck = path.join(dir, 'ck');
    const partial = await trainSft({
      model: first,
      requests: train,
      config: sftConfig,
      seed: 1,
      logger: silentLogger,
      checkpointDir: ck,
      maxSteps: 6,
    });
    expect(partial.finished).toBe(false);
    const saved = await loadGloRankCheckpoint(ck);
    expect(saved.meta.step).toBe(6);
    saved.model.store.dispose();
    const resumed = newModel();
    const r2 = await trainSft({
      model: resumed,
      requests: train,
      config: sftConfig,
      seed: 1,
      logger: silentLogger,
      checkpointDir: ck,
      resume: true,
    });
    expect(r2.steps).toBe(r1.steps);
    for (const name of straight.store.names()) {
      expect(Array.from(resumed.store.get(name).dataSync())).toEqual(
        Array.from(straight.store.get(name).dataSync()),
      );
    }
    const final = await loadGloRankCheckpoint(ck);
    expect(final.meta.finished).toBe(true);
    expect(Array.from(final.model.store.get('dec/head0/w').dataSync())).toEqual(
      Array.from(straight.store.get('dec/head0/w').dataSync()),
    );
    for (const m of [straight, first, resumed, final.model]) m.store.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });
});
