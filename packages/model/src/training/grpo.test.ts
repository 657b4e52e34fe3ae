import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type RerankRequest, Rng } from '@glorank/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { frozenCopy } from '../glorank/checkpoint-io.js';
import { GloRankModel } from '../glorank/model.js';
import { decodeSlates } from '../glorank/reranker.js';
import { contentCodes, TINY_MODEL_CONFIG, tinyBenchmark } from '../glorank/test-support/tiny-benchmark.js';
import { silentLogger } from '../methods/reranker.js';
import { ParamStore } from '../nn/params.js';
import { DEFAULT_GRPO_CONFIG, groupAdvantages, type RewardFunction, trainGrpo } from './grpo.js';

const ds = tinyBenchmark();
const codes = contentCodes(ds);
const train = ds.requests.filter((r) => r.split === 'train');
const modelConfig = TINY_MODEL_CONFIG;

// A reward the untrained policy is bad at: how many slate items sit in the lower half of the
// retriever's scores (the model sees the scores, so it can learn this).
const lowScoreReward: RewardFunction = (rs, slates) =>
  Float64Array.from(rs, (r, i) => {
    const sorted = Array.from(r.initialScores).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    let n = 0;
    for (const item of slates[i]!) {
      const k = r.candidates.indexOf(item);
      if ((r.initialScores[k] as number) < median) n++;
    }
    return n;
  });

function greedyReward(model: GloRankModel, requests: RerankRequest[]): number {
  const slates = decodeSlates(model, requests, 4).map((s, i) =>
    Int32Array.from(s, (k) => requests[i]!.candidates[k] as number),
  );
  const r = lowScoreReward(requests, slates);
  return r.reduce((a, b) => a + b, 0) / r.length;
}

describe('GRPO', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('normalises rewards within each group (hand-worked)', () => {
    const a = groupAdvantages([1, 2, 3, 3, 0, 4], 2);
    expect(a[0]).toBeCloseTo(-1, 4);
    expect(a[1]).toBeCloseTo(1, 4);
    expect(a[2]).toBe(0);
    expect(a[3]).toBe(0);
    expect(a[4]).toBeCloseTo(-1, 4);
    expect(a[5]).toBeCloseTo(1, 4);
    // Without the std (Dr. GRPO): rewards minus the group mean.
    expect(Array.from(groupAdvantages([1, 2, 3, 3, 0, 4.5], 2, false))).toEqual([
      -0.5, 0.5, 0, 0, -2.25, 2.25,
    ]);
    expect(Array.from(groupAdvantages([1, 2, 6], 3, false))).toEqual([-2, -1, 3]);
  });

  it('raises the reward of the greedy policy and logs the RL statistics', async () => {
    const policy = new GloRankModel(new ParamStore(new Rng(11)), codes, modelConfig);
    const reference = frozenCopy(policy);
    const before = greedyReward(policy, train);
    const logged: Record<string, number>[] = [];
    await trainGrpo({
      policy,
      reference,
      reward: lowScoreReward,
      requests: train,
      config: {
        ...DEFAULT_GRPO_CONFIG,
        steps: 12,
        batchSize: 16,
        group: 4,
        learningRate: 3e-3,
        klCoef: 0.01,
        normalizeStd: true,
      },
      seed: 1,
      logger: { log: (_s, m) => logged.push(m) },
    });
    const after = greedyReward(policy, train);
    expect(after).toBeGreaterThan(before + 0.5);
    for (const key of ['rl/reward_mean', 'rl/reward_std', 'rl/kl', 'rl/clip_frac', 'rl/entropy']) {
      expect(Number.isFinite(logged[logged.length - 1]![key])).toBe(true);
    }
    expect(logged[logged.length - 1]!['rl/kl']).toBeGreaterThan(0);
    policy.store.dispose();
    reference.store.dispose();
  });

  it('keeps the best weights on validation: a reward that validation disagrees with returns the start, stopped early', async () => {
    // RL raises lowScoreReward; the validation score is its negative (what a logged-click metric
    // does when the reward is being gamed). Every RL round scores worse than the start, so the
    // start's weights must come back bit for bit, and patience 2 stops the run at round 4 of 12.
    const policy = new GloRankModel(new ParamStore(new Rng(11)), codes, modelConfig);
    const reference = frozenCopy(policy);
    const start = policy.store.names().map((n) => Array.from(policy.store.get(n).dataSync()));
    const scores: number[] = [];
    const logged: Record<string, number>[] = [];
    const result = await trainGrpo({
      policy,
      reference,
      reward: lowScoreReward,
      requests: train,
      config: {
        ...DEFAULT_GRPO_CONFIG,
        steps: 12,
        batchSize: 16,
        group: 4,
        learningRate: 3e-3,
        klCoef: 0.01,
        normalizeStd: true,
        validateEvery: 2,
        patience: 2,
      },
      seed: 1,
      logger: { log: (_s, m) => logged.push(m) },
      validate: (m) => {
        const v = -greedyReward(m, train);
        scores.push(v);
        return v;
      },
    });
    // Checks at rounds 0, 2 and 4; the start is never beaten (the reward does rise: checked above).
    expect(scores.length).toBe(3);
    expect(Math.max(...scores.slice(1))).toBeLessThanOrEqual(scores[0]!);
    expect(result.selectedStep).toBe(0);
    expect(result.stoppedEarly).toBe(true);
    expect(result.startScore).toBe(scores[0]);
    expect(logged.filter((m) => 'rl/valid_score' in m).length).toBe(3);
    const end = policy.store.names().map((n) => Array.from(policy.store.get(n).dataSync()));
    expect(end).toEqual(start);
    policy.store.dispose();
    reference.store.dispose();
  });

  it('keeps a later round when validation agrees with the reward', async () => {
    const policy = new GloRankModel(new ParamStore(new Rng(11)), codes, modelConfig);
    const reference = frozenCopy(policy);
    const result = await trainGrpo({
      policy,
      reference,
      reward: lowScoreReward,
      requests: train,
      config: {
        ...DEFAULT_GRPO_CONFIG,
        steps: 12,
        batchSize: 16,
        group: 4,
        learningRate: 3e-3,
        klCoef: 0.01,
        normalizeStd: true,
        validateEvery: 4,
        patience: 0,
      },
      seed: 1,
      logger: silentLogger,
      validate: (m) => greedyReward(m, train),
    });
    expect(result.selectedStep).toBeGreaterThan(0);
    expect(result.selectedScore).toBeGreaterThan(result.startScore);
    expect(greedyReward(policy, train)).toBe(result.selectedScore);
    policy.store.dispose();
    reference.store.dispose();
  });

  it('resumes to exactly the weights of an uninterrupted run', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'glorank-rl-'));
    const config = { ...DEFAULT_GRPO_CONFIG, steps: 4, batchSize: 8, group: 3, checkpointEvery: 1 };
    const run = async (maxSteps: number | undefined, resume: boolean, ck?: string) => {
      const policy = new GloRankModel(new ParamStore(new Rng(11)), codes, modelConfig);
      const reference = frozenCopy(policy);
      await trainGrpo({
        policy,
        reference,
        reward: lowScoreReward,
        requests: train,
        config,
        seed: 2,
        logger: silentLogger,
        ...(ck ? { checkpointDir: ck } : {}),
        ...(maxSteps !== undefined ? { maxSteps } : {}),
        resume,
      });
      const w = policy.store.names().map((n) => Array.from(policy.store.get(n).dataSync()));
      policy.store.dispose();
      reference.store.dispose();
      return w;
    };
    const straight = await run(undefined, false);
    const ck = path.join(dir, 'rl');
    await run(2, false, ck);
    const resumed = await run(undefined, true, ck);
    expect(resumed).toEqual(straight);
    await fs.rm(dir, { recursive: true, force: true });
  });
});
