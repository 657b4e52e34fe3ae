// RL post-training of GloRank, GRPO-style. For each request of a batch, G slates are
// sampled from the current policy under the candidate trie and scored by a reward model
// (the learned list-wise evaluator). Advantages are the rewards normalised within each
// request's group (centred on the group mean; optionally divided by its std), so no value
// network is needed. The policy then takes a few gradient
// steps on the clipped importance-ratio objective (PPO clipping per token, one
// advantage per slate), with a KL penalty to the frozen SFT policy (the k3 estimator
// exp(ref - logp) - (ref - logp) - 1) and an optional entropy bonus.
import type { RerankRequest } from '@glorank/data';
import { Rng } from '@glorank/data';
import { loadGloRankCheckpoint, saveGloRankCheckpoint } from '../glorank/checkpoint-io.js';
import type { GloRankModel } from '../glorank/model.js';
import type { TrainLogger } from '../methods/reranker.js';
import { Adam } from '../nn/adam.js';
import { isCheckpoint } from '../nn/checkpoint.js';
import { batchesPerEpoch, epochBatches } from './batches.js';
import { evenRanges, GradientPool } from './data-parallel.js';
import { joinRolloutParts, shardUniforms } from './rollout-shard.js';
import type { LossShard } from './shard-loss.js';

export interface GrpoConfig {
  /** Policy-update rounds (each: sample, score, innerEpochs gradient steps). */
  steps: number;
  /** Requests per round. */
  batchSize: number;
  learningRate: number;
  /** Slates sampled per request (G). */
  group: number;
  /** PPO clip range epsilon. */
  clip: number;
  /** Weight of the KL penalty to the reference (SFT) policy. */
  klCoef: number;
  /** Weight of the entropy bonus (0: none). */
  entropyCoef: number;
  /** Gradient steps per round on the same samples. */
  innerEpochs: number;
  /** Sampling temperature (log-probabilities use the same temperature). */
  temperature: number;
  clipNorm: number;
  /** Checkpoint every this many rounds (and at the end); 0: only at the end. */
  checkpointEvery: number;
  /**
   * Divide each group's centred rewards by the group's std (the original GRPO). Off (the
   * default, as in Dr. GRPO), the advantage is the reward minus the group mean, so a group of
   * near-ties under a noisy learned reward stays near zero instead of being blown up to unit
   * scale: with the std the policy chased the evaluator's noise and lowered the true reward
   * on the synthetic benchmark (docs/results.md).
   */
  normalizeStd: boolean;
  /** Threads computing each policy gradient (data-parallel over the round's requests; see SftConfig.workers). */
  workers: number;
  /**
   * Score the policy on the VALID split (P@L + NDCG@L of greedy slates on logged clicks) before
   * the first round and every this many rounds, keep the best-scoring weights (the SFT start
   * included) and restore them at the end; 0: off. On real logs a learned reward can be raised
   * by slates that precision and NDCG on the logged clicks call worse (issue 13: ML-100K P@6
   * 18.5 -> 8.4 while the reward rose); selecting on valid ranking metrics keeps RL from
   * returning a policy worse on valid than the one it started from.
   */
  validateEvery: number;
  /** Stop after this many validations in a row without improvement (0: never stop early). */
  patience: number;
  /** Valid requests scored per check (a fixed seeded subset; 0: all). */
  validRequests: number;
}

export const DEFAULT_GRPO_CONFIG: GrpoConfig = {
  steps: 60,
  batchSize: 32,
  learningRate: 5e-4,
  group: 8,
  clip: 0.2,
  klCoef: 0.05,
  entropyCoef: 0,
  innerEpochs: 2,
  temperature: 1,
  clipNorm: 1,
  checkpointEvery: 10,
  normalizeStd: false,
  workers: 1,
  // Off by default: on the synthetic benchmark the target is the true click model's reward,
  // which logged-click precision does not track (GloRank moves away from the logged slates);
  // the real-data recipes (experiments/ml-100k.yaml, amazon-beauty.yaml) turn it on.
  validateEvery: 0,
  patience: 3,
  validRequests: 1000,
};

/** Reward of each slate (item ids, top first) for its request; higher is better. */
export type RewardFunction = (
  requests: readonly RerankRequest[],
  slates: readonly Int32Array[],
) => Float64Array;

export interface GrpoRun {
  policy: GloRankModel;
  /** Frozen reference policy for the KL penalty (usually the SFT model). */
  reference: GloRankModel;
  reward: RewardFunction;
  requests: readonly RerankRequest[];
  config: GrpoConfig;
  seed: number;
  logger: TrainLogger;
  checkpointDir?: string;
  resume?: boolean;
  maxSteps?: number;
  onStep?: (done: number, total: number) => void;
  meta?: Record<string, unknown>;
  /**
   * Validation score of the current policy (higher is better; the pipeline passes P@L + NDCG@L
   * on valid requests). With config.validateEvery > 0 the best-scoring weights are kept.
   */
  validate?: (policy: GloRankModel) => number;
}

export interface GrpoResult {
  steps: number;
  finished: boolean;
  /** Mean sampled reward of the first and the last round. */
  firstReward: number;
  lastReward: number;
  /** Round whose weights validation kept (0: the SFT start) and its score; NaN without validation. */
  selectedStep: number;
  selectedScore: number;
  /** Validation score before the first round. */
  startScore: number;
  /** Validation stopped the run early. */
  stoppedEarly: boolean;
}

/**
 * Rewards normalised within consecutive groups of `group`: (r - mean) / (std + 1e-6), 0 for a
 * flat group; with scaleByStd false just r - mean.
 */
export function groupAdvantages(rewards: ArrayLike<number>, group: number, scaleByStd = true): Float32Array {
  const out = new Float32Array(rewards.length);
  for (let g = 0; g < rewards.length; g += group) {
    let mean = 0;
    for (let i = g; i < g + group; i++) mean += rewards[i] as number;
    mean /= group;
    let v = 0;
    for (let i = g; i < g + group; i++) v += ((rewards[i] as number) - mean) ** 2;
    const std = Math.sqrt(v / group);
    for (let i = g; i < g + group; i++) {
      const centred = (rewards[i] as number) - mean;
      out[i] = !scaleByStd ? centred : std > 1e-9 ? centred / (std + 1e-6) : 0;
    }
  }
  return out;
}

interface Rollout {
  rowRequest: Int32Array;
  tokens: Int32Array;
  advantages: Float32Array;
  oldLogProbs: Float32Array;
  refLogProbs: Float32Array;
  rewards: Float64Array;
}

/**
 * Sample G slates per request and take their old and reference log-probabilities, sharded
 * over the pool's threads by request (rollout-shard.ts: the same numbers as one thread), then
 * score the slates with the reward model on this thread.
 */
async function rollout(
  run: GrpoRun,
  batch: readonly RerankRequest[],
  rng: Rng,
  pool: GradientPool,
): Promise<Rollout> {
  const { policy, config } = run;
  const G = config.group;
  const L = policy.config.slateSize;
  const T = policy.steps;
  const ranges = evenRanges(batch.length, pool.threads);
  const uniforms = shardUniforms(
    () => rng.next(),
    T,
    batch.length * G,
    ranges.map(([a, b]) => [a * G, b * G]),
  );
  const parts = await pool.rollout(
    run.reference,
    ranges.map(([a, b], i) => ({
      requests: batch.slice(a, b),
      group: G,
      temperature: config.temperature,
      uniforms: uniforms[i] as Float64Array,
    })),
  );
  const rows = batch.length * G;
  const rowRequest = Int32Array.from({ length: rows }, (_, i) => Math.floor(i / G));
  const { tokens, slates: slateIdx, oldLogProbs, refLogProbs } = joinRolloutParts(parts);
  const rowRequests = Array.from(rowRequest, (q) => batch[q] as RerankRequest);
  const slates = rowRequests.map((r, i) =>
    Int32Array.from(slateIdx.subarray(i * L, (i + 1) * L), (k) => r.candidates[k] as number),
  );
  if (tokens.length !== rows * T) throw new Error(`GRPO rollout: ${tokens.length} tokens for ${rows} x ${T}`);
  const rewards = run.reward(rowRequests, slates);
  return {
    rowRequest,
    tokens,
    advantages: groupAdvantages(rewards, G, run.config.normalizeStd),
    rewards,
    oldLogProbs,
    refLogProbs,
  };
}

/** The round's rollout split by requests (each with its G rows) into one loss shard per thread. */
function grpoShards(
  batch: readonly RerankRequest[],
  r: Rollout,
  config: GrpoConfig,
  threads: number,
): LossShard[] {
  const G = config.group;
  const T = r.tokens.length / r.rowRequest.length;
  const loss = {
    clip: config.clip,
    klCoef: config.klCoef,
    entropyCoef: config.entropyCoef,
    temperature: config.temperature,
  };
  return evenRanges(batch.length, threads).map(([a, b]) => ({
    kind: 'grpo',
    requests: batch.slice(a, b),
    rowRequest: Int32Array.from({ length: (b - a) * G }, (_, i) => Math.floor(i / G)),
    tokens: r.tokens.slice(a * G * T, b * G * T),
    oldLogProbs: r.oldLogProbs.slice(a * G * T, b * G * T),
    refLogProbs: r.refLogProbs.slice(a * G * T, b * G * T),
    advantages: r.advantages.slice(a * G, b * G),
    loss,
  }));
}

export async function trainGrpo(run: GrpoRun): Promise<GrpoResult> {
  const { policy, config } = run;
  const L = policy.config.slateSize;
  const requests = run.requests.filter((r) => r.candidates.length >= L);
  if (requests.length === 0) throw new Error('GRPO: no request has enough candidates');
  const rng = new Rng(run.seed);
  const optimizer = new Adam(policy.store, { lr: config.learningRate, clipNorm: config.clipNorm });
  const perEpoch = batchesPerEpoch(requests.length, config.batchSize);
  let step = 0;
  let firstReward = Number.NaN;
  if (run.resume && run.checkpointDir !== undefined && (await isCheckpoint(run.checkpointDir))) {
    const saved = await loadGloRankCheckpoint(run.checkpointDir);
    if (saved.meta.stage !== 'rl') {
      throw new Error(
        `cannot resume RL from a '${String(saved.meta.stage)}' checkpoint in ${run.checkpointDir}`,
      );
    }
    policy.store.copyFrom(saved.model.store);
    run.reference.store.importArrays(saved.checkpoint.arrays, 'ref/', run.checkpointDir);
    optimizer.importState(saved.checkpoint.arrays, saved.meta.adamSteps as number, 'adam/');
    step = saved.meta.step as number;
    firstReward = (saved.meta.firstReward as number | undefined) ?? Number.NaN;
    saved.model.store.dispose();
    saved.model.dispose();
    run.logger.info?.(`resuming RL at round ${step} of ${config.steps}`);
  }
  const save = async (): Promise<void> => {
    if (run.checkpointDir === undefined) return;
    const arrays = optimizer.exportState('adam/');
    for (const [k, v] of run.reference.store.exportArrays('ref/')) arrays.set(k, v);
    await saveGloRankCheckpoint(run.checkpointDir, policy, {
      arrays,
      meta: {
        ...(run.meta ?? {}),
        stage: 'rl',
        seed: run.seed,
        rl: config,
        step,
        totalSteps: config.steps,
        finished: step >= config.steps,
        adamSteps: optimizer.stepCount,
        firstReward,
      },
    });
  };
  const stopAt = Math.min(config.steps, run.maxSteps ?? config.steps);
  let lastReward = Number.NaN;
  // Checkpoint selection on the valid split (kept in memory; a resumed run starts afresh).
  const validating = run.validate !== undefined && config.validateEvery > 0;
  let best = {
    step,
    score: Number.NaN,
    weights: null as ReturnType<typeof policy.store.exportArrays> | null,
  };
  let startScore = Number.NaN;
  let sinceBest = 0;
  let stoppedEarly = false;
  const checkValid = (): void => {
    if (!validating) return;
    const score = (run.validate as (p: GloRankModel) => number)(policy);
    if (Number.isNaN(startScore)) startScore = score;
    run.logger.log(step, { 'rl/valid_score': score });
    // Strictly better only: ties keep the earlier (closer to SFT) weights.
    if (best.weights === null || score > best.score) {
      best = { step, score, weights: policy.store.exportArrays() };
      sinceBest = 0;
    } else {
      sinceBest++;
    }
  };
  checkValid();
  const pool = await GradientPool.start(policy, config.workers);
  pool.setReference(run.reference);
  try {
    while (step < stopAt) {
      const epoch = Math.floor(step / perEpoch);
      const idx = epochBatches(rng, 'rl-epoch', epoch, requests.length, config.batchSize)[
        step % perEpoch
      ] as number[];
      const batch = idx.map((i) => requests[i] as RerankRequest);
      const r = await rollout(run, batch, rng.fork(`rl-sample-${step}`), pool);
      const rows = r.rowRequest.length;
      let meanReward = 0;
      for (const v of r.rewards) meanReward += v;
      meanReward /= rows;
      let varReward = 0;
      for (const v of r.rewards) varReward += (v - meanReward) ** 2;
      if (Number.isNaN(firstReward)) firstReward = meanReward;
      lastReward = meanReward;
      pool.load(grpoShards(batch, r, config, pool.threads));
      let stats = { loss: 0, kl: 0, clipFrac: 0, entropy: 0, gradNorm: 0 };
      for (let k = 0; k < config.innerEpochs; k++) {
        const { loss, stats: parts, grads } = await pool.valueAndGrads();
        const [kl, clipFrac, entropy] = parts as [number, number, number];
        stats = { loss, kl, clipFrac, entropy, gradNorm: optimizer.step(grads) };
        for (const g of grads.values()) g.dispose();
      }
      step++;
      run.logger.log(step, {
        'rl/reward_mean': meanReward,
        'rl/reward_std': Math.sqrt(varReward / rows),
        'rl/kl': stats.kl,
        'rl/clip_frac': stats.clipFrac,
        'rl/entropy': stats.entropy,
        'rl/loss': stats.loss,
        'rl/grad_norm': stats.gradNorm,
      });
      run.onStep?.(step, config.steps);
      if (validating && (step % config.validateEvery === 0 || step === stopAt)) {
        checkValid();
        if (config.patience > 0 && sinceBest >= config.patience && step < stopAt) {
          stoppedEarly = true;
          run.logger.info?.(
            `RL: no valid improvement in ${config.patience} checks; stopping at round ${step}, keeping round ${best.step}`,
          );
          break;
        }
      }
      if (config.checkpointEvery > 0 && step % config.checkpointEvery === 0 && step < stopAt) await save();
    }
  } finally {
    await pool.close();
  }
  const selectedStep = validating ? best.step : Number.NaN;
  if (validating && best.weights !== null && best.step !== step) policy.store.importArrays(best.weights);
  // An early stop ends the run: its checkpoint counts as finished.
  if (stoppedEarly) step = config.steps;
  await save();
  optimizer.dispose();
  return {
    steps: step,
    finished: step >= config.steps,
    firstReward,
    lastReward,
    selectedStep,
    selectedScore: best.score,
    startScore,
    stoppedEarly,
  };
}
