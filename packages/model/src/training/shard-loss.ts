// The training losses of GloRank written per shard of a batch: each shard contributes the
// sum of its per-token losses divided by the batch's normaliser, so the gradients of the
// shards add up to the gradient of the batch mean. The serial trainers use one shard; the
// data-parallel pool (data-parallel.ts) computes the shards on worker threads with this
// same code.
import type { RerankRequest } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import type { CandidateTrie } from '../decoding/trie.js';
import type { GloRankModel, StepMasks } from '../glorank/model.js';
import { type EncoderInputs, encoderInputs } from '../glorank/request-encoder.js';

/** Teacher forcing on demonstration slates (candidate indices), optionally weighted per slot. */
export interface SftShard {
  kind: 'sft';
  requests: RerankRequest[];
  targets: Int32Array[];
  /** One weight per slot of each target; none: every token counts 1. */
  weights?: Float32Array[];
}

/** The clipped-ratio GRPO objective's settings. */
export interface GrpoLossConfig {
  clip: number;
  klCoef: number;
  entropyCoef: number;
  temperature: number;
}

/** Sampled slates of some requests (rowRequest maps each row to its request) with their old policy's numbers. */
export interface GrpoShard {
  kind: 'grpo';
  requests: RerankRequest[];
  rowRequest: Int32Array;
  /** [rows x steps] sampled tokens. */
  tokens: Int32Array;
  /** [rows x steps] token log-probabilities under the sampling policy and the reference. */
  oldLogProbs: Float32Array;
  refLogProbs: Float32Array;
  /** One advantage per row. */
  advantages: Float32Array;
  loss: GrpoLossConfig;
}

export type LossShard = SftShard | GrpoShard;

/** A shard with its encoder inputs, tokens and trie masks built (JS work done once per shard). */
export interface PreparedShard {
  shard: LossShard;
  x: EncoderInputs;
  rowRequest: Int32Array | null;
  tokens: Int32Array;
  masks: StepMasks;
  /** [rows x steps] token weights (SFT with weights), else null. */
  tokenWeights: Float32Array | null;
  /** This shard's share of the batch normaliser: tokens, or total token weight. */
  count: number;
}

/** The shard's share of the batch normaliser: its tokens, or its total token weight. */
export function shardCount(model: GloRankModel, shard: LossShard): number {
  const T = model.steps;
  if (shard.kind === 'grpo') return shard.rowRequest.length * T;
  if (shard.weights === undefined) return shard.requests.length * T;
  const perSlot = T / model.config.slateSize;
  let total = 0;
  for (const ws of shard.weights) for (let t = 0; t < T; t++) total += ws[Math.floor(t / perSlot)] ?? 0;
  return total;
}

export function prepareShard(model: GloRankModel, shard: LossShard): PreparedShard {
  const x = encoderInputs(shard.requests, model.config.historyLength);
  const T = model.steps;
  if (shard.kind === 'grpo') {
    const rows = shard.rowRequest.length;
    const tries = shard.requests.map((r) => model.trie(r));
    const masks = model.trieMasks(
      Array.from(shard.rowRequest, (q) => tries[q] as CandidateTrie),
      shard.tokens,
      x.candidateSlots,
    );
    return {
      shard,
      x,
      rowRequest: shard.rowRequest,
      tokens: shard.tokens,
      masks,
      tokenWeights: null,
      count: rows * T,
    };
  }
  const rows = shard.requests.length;
  const tokens = new Int32Array(rows * T);
  shard.requests.forEach((r, i) => {
    tokens.set(model.slateTokens(r, shard.targets[i] as Int32Array), i * T);
  });
  const masks = model.trieMasks(
    shard.requests.map((r) => model.trie(r)),
    tokens,
    x.candidateSlots,
  );
  if (shard.weights === undefined) {
    return { shard, x, rowRequest: null, tokens, masks, tokenWeights: null, count: rows * T };
  }
  const perSlot = T / model.config.slateSize;
  const w = new Float32Array(rows * T);
  shard.weights.forEach((ws, i) => {
    for (let t = 0; t < T; t++) w[i * T + t] = ws[Math.floor(t / perSlot)] ?? 0;
  });
  return { shard, x, rowRequest: null, tokens, masks, tokenWeights: w, count: shardCount(model, shard) };
}

export interface ShardLoss {
  /** Sum of the shard's per-token losses divided by the batch normaliser. */
  loss: tf.Scalar;
  /**
   * Sums over the shard's tokens, divided by the same normaliser, of the statistics the
   * trainer logs (GRPO: KL to the reference, clipped-ratio indicator, entropy); kept tensors.
   */
  stats: tf.Scalar[];
}

/**
 * The shard's loss; call inside a gradient closure. `normaliser` is the batch's total count
 * (the sum of every shard's `count`), so summing the shards gives the batch mean.
 */
export function shardLoss(model: GloRankModel, p: PreparedShard, normaliser: number): ShardLoss {
  const T = model.steps;
  const norm = normaliser > 0 ? normaliser : 1;
  const s = p.shard;
  const enc = model.encode(p.x);
  if (s.kind === 'sft') {
    const { logProbs } = model.scoreSequences(enc, p.x, null, p.tokens, p.masks);
    const weighted =
      p.tokenWeights === null
        ? logProbs
        : tf.mul(logProbs, tf.tensor2d(p.tokenWeights, [s.requests.length, T]));
    // A batch whose demonstrations carry no weight contributes nothing (but keeps the graph).
    const scale = normaliser > 0 ? -1 / norm : 0;
    return { loss: tf.mul(tf.sum(weighted), scale) as tf.Scalar, stats: [] };
  }
  const rows = s.rowRequest.length;
  const c = s.loss;
  const scores = model.scoreSequences(enc, p.x, p.rowRequest, p.tokens, p.masks, c.temperature);
  const adv = tf.tensor2d(s.advantages, [rows, 1]);
  const old = tf.tensor2d(s.oldLogProbs, [rows, T]);
  const ref = tf.tensor2d(s.refLogProbs, [rows, T]);
  const ratio = tf.exp(tf.sub(scores.logProbs, old));
  const clipped = tf.clipByValue(ratio, 1 - c.clip, 1 + c.clip);
  const pg = tf.neg(tf.minimum(tf.mul(ratio, adv), tf.mul(clipped, adv)));
  const d = tf.sub(ref, scores.logProbs);
  const kl = tf.sub(tf.sub(tf.exp(d), d), 1);
  let perToken = tf.add(pg, tf.mul(kl, c.klCoef));
  if (c.entropyCoef > 0) perToken = tf.sub(perToken, tf.mul(scores.entropy, c.entropyCoef));
  const clipHit = tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), c.clip), 'float32');
  const stats = [kl, clipHit, scores.entropy].map((t) => tf.keep(tf.div(tf.sum(t), norm)) as tf.Scalar);
  return { loss: tf.div(tf.sum(perToken), norm) as tf.Scalar, stats };
}

/** Loss value, statistics and gradients (by parameter name; the caller disposes them) of one prepared shard. */
export function shardValueAndGrads(
  model: GloRankModel,
  p: PreparedShard,
  normaliser: number,
): { loss: number; stats: number[]; grads: Map<string, tf.Tensor> } {
  let stats: tf.Scalar[] = [];
  const { value, grads } = model.store.valueAndGrads(() => {
    const out = shardLoss(model, p, normaliser);
    stats = out.stats;
    return out.loss;
  });
  const loss = value.dataSync()[0] as number;
  value.dispose();
  const values = stats.map((t) => t.dataSync()[0] as number);
  for (const t of stats) t.dispose();
  return { loss, stats: values, grads };
}
