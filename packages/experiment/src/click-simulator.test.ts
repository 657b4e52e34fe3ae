import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateSynthetic, itemCodes, type RerankRequest, Rng } from '@glorank/data';
import {
  resolveTrainConfig,
  selectBackend,
  silentLogger,
  tokenizeDataset,
  trainRewardModel,
} from '@glorank/model';
import { describe, expect, it } from 'vitest';
import {
  auc,
  ClickSimulator,
  type ClickSimulatorParams,
  DEFAULT_CLICK_SIMULATOR_CONFIG,
  loadClickSimulator,
  trainClickSimulator,
} from './click-simulator.js';

function request(over: Partial<RerankRequest>): RerankRequest {
  return {
    id: 0,
    user: 0,
    split: 'test',
    coldStart: false,
    ts: 0,
    history: new Int32Array(0),
    candidates: Int32Array.from([0, 1, 2]),
    labels: new Float32Array(3),
    initialScores: new Float32Array(3),
    exposed: new Int32Array(0),
    ...over,
  };
}

// Hand-set model: no factors; sigmoid(examination) = 0.5 at both positions; item relevance
// sigmoid(b_i) = 0.5, 0.75, 0.25.
const handParams: ClickSimulatorParams = {
  format: 'glorank-pbm-click-simulator',
  version: 1,
  config: { ...DEFAULT_CLICK_SIMULATOR_CONFIG, dim: 1 },
  slateSize: 2,
  numItems: 3,
  splits: ['train', 'valid'],
  bias: 0,
  examination: [0, 0],
  itemBias: [0, Math.log(3), -Math.log(3)],
  itemFactors: [0, 0, 0],
  historyFactors: [0, 0, 0],
};

describe('AUC', () => {
  it('counts pairs by hand, ties half, and is null with one class', () => {
    // positives 0.4, 0.8; negatives 0.1, 0.5, 0.4: 0.4 beats 0.1 (1), loses to 0.5 (0), ties
    // 0.4 (0.5); 0.8 beats all three (3): 4.5 of 6 pairs.
    const pts = [
      { p: 0.4, y: 1 },
      { p: 0.8, y: 1 },
      { p: 0.1, y: 0 },
      { p: 0.5, y: 0 },
      { p: 0.4, y: 0 },
    ];
    expect(auc(pts)).toBeCloseTo(0.75, 12);
    expect(auc(pts.map((x) => ({ p: -x.p, y: x.y })))).toBeCloseTo(0.25, 12);
    expect(auc([{ p: 1, y: 1 }])).toBeNull();
  });
});

describe('position-based click simulator', () => {
  it('gives hand-worked click probabilities, rewards and calibration', () => {
    const sim = new ClickSimulator(handParams);
    // Slate [1, 2]: 0.5 * 0.75 + 0.5 * 0.25 = 0.5 expected clicks.
    const p = sim.clickProbabilities([request({})], [[1, 2]])[0]!;
    expect(p[0]).toBeCloseTo(0.375, 12);
    expect(p[1]).toBeCloseTo(0.125, 12);
    expect(sim.rewards([request({})], [[1, 2]])[0]).toBeCloseTo(0.5, 12);
    // Logged slate: item 1 (clicked) then item 2 (not).
    const logged = request({ exposed: Int32Array.from([1, 2]), labels: Float32Array.from([0, 1, 0]) });
    const c = sim.calibration([logged]);
    expect(c.slates).toBe(1);
    expect(c.meanPredictedClicks).toBeCloseTo(0.5, 12);
    expect(c.meanObservedClicks).toBe(1);
    expect(c.logLoss).toBeCloseTo(-(Math.log(0.375) + Math.log(1 - 0.125)) / 2, 12);
    expect(c.aucLogged).toBe(1);
    // Relevance 0 (item 0), ln 3 (item 1, clicked), -ln 3 (item 2): the clicked one is on top.
    expect(c.aucCandidates).toBe(1);
    // Swapping the label to item 2 puts the clicked item last among the candidates.
    const worse = sim.calibration([
      request({ exposed: Int32Array.from([1, 2]), labels: Float32Array.from([0, 0, 1]) }),
    ]);
    expect(worse.aucLogged).toBe(0);
    expect(worse.aucCandidates).toBe(0);
  });

  const synth = generateSynthetic({
    users: 60,
    items: 160,
    candidates: 20,
    historyLength: 10,
    requestsPerUser: 5,
    seed: 4,
  });
  const L = synth.manifest.protocol.slateSize;
  const train = (requests: readonly RerankRequest[], seed = 3000) =>
    trainClickSimulator({
      requests: requests.filter((r) => r.split !== 'test'),
      splits: ['train', 'valid'],
      numItems: synth.items.count,
      slateSize: L,
      config: { epochs: 4, dim: 8, seed },
    });

  it('is frozen: same seed, same checksum; saved and loaded, same checksum and rewards; tampering is refused', async () => {
    const a = train(synth.requests);
    const b = train(synth.requests);
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(b.sha256).toBe(a.sha256);
    expect(train(synth.requests, 3001).sha256).not.toBe(a.sha256);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'glorank-pbm-'));
    try {
      const file = path.join(dir, 'sim.json');
      await a.save(file);
      const loaded = await loadClickSimulator(file);
      expect(loaded.sha256).toBe(a.sha256);
      const test = synth.requests.filter((r) => r.split === 'test');
      const slates = test.map((r) => r.candidates.subarray(0, L));
      expect(Array.from(loaded.rewards(test, slates))).toEqual(Array.from(a.rewards(test, slates)));
      const raw = JSON.parse(await readFile(file, 'utf8'));
      raw.params.itemBias[0] += 1e-9;
      await writeFile(file, JSON.stringify(raw));
      await expect(loadClickSimulator(file)).rejects.toThrow(/checksum/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('learns from train+valid only: test labels do not move it, valid labels do', () => {
    const base = train(synth.requests).sha256;
    const flip = (split: string) =>
      synth.requests.map((r) =>
        r.split === split ? { ...r, labels: r.labels.map((y) => (y > 0 ? 0 : 1)) } : r,
      );
    expect(train(flip('test')).sha256).toBe(base);
    expect(train(flip('valid')).sha256).not.toBe(base);
  });

  it('ranks held-out clicked candidates above the others', () => {
    const sim = train(synth.requests);
    const c = sim.calibration(synth.requests.filter((r) => r.split === 'test'));
    expect(c.aucCandidates).not.toBeNull();
    expect(c.aucCandidates as number).toBeGreaterThan(0.6);
  });

  it('is not a function of the RL reward model: their slate orders disagree', async () => {
    await selectBackend('wasm');
    const tok = tokenizeDataset(synth, { levels: 2, codebookSize: 8, seed: 0 });
    const codes = itemCodes(tok.codes, tok.levels, tok.codebookSizes);
    const rewardModel = trainRewardModel({
      dataset: synth,
      codes,
      config: resolveTrainConfig({ rewardModel: { epochs: 2, dim: 16, heads: 2, hidden: 16, layers: 1 } }),
      seed: 1000,
      logger: silentLogger,
      splits: ['train'],
    });
    try {
      const sim = train(synth.requests);
      const rng = new Rng(9);
      const reqs: RerankRequest[] = [];
      const slates: Int32Array[] = [];
      for (const r of synth.requests.filter((q) => q.split === 'test').slice(0, 20)) {
        for (let s = 0; s < 10; s++) {
          reqs.push(r);
          slates.push(Int32Array.from(rng.shuffle(Array.from(r.candidates)).slice(0, L)));
        }
      }
      const a = rewardModel.rewards(reqs, slates);
      const b = sim.rewards(reqs, slates);
      // Kendall's tau within each request's 10 slates: a monotone function would give 1.
      let concordant = 0;
      let discordant = 0;
      for (let q = 0; q < reqs.length; q += 10) {
        for (let i = q; i < q + 10; i++) {
          for (let j = i + 1; j < q + 10; j++) {
            const s = Math.sign((a[i]! - a[j]!) * (b[i]! - b[j]!));
            if (s > 0) concordant++;
            else if (s < 0) discordant++;
          }
        }
      }
      const tau = (concordant - discordant) / (concordant + discordant);
      expect(discordant).toBeGreaterThan(0);
      expect(tau).toBeLessThan(0.9);
      // A different family: no semantic IDs, no tfjs tensors, pointwise and position-additive.
      expect(sim).not.toHaveProperty('clickProbabilities', rewardModel.clickProbabilities);
      expect(sim.params.splits).toEqual(['train', 'valid']);
    } finally {
      rewardModel.dispose();
    }
  });
});
