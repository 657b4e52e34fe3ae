// One shard of a GRPO round's rollout: sample G slates per request under the trie from the
// current policy and take every sampled token's log-probability under that policy (the
// "old" one of the clipped ratio) and under the frozen reference. The round's requests are
// split into contiguous shards, one per data-parallel thread (data-parallel.ts), so sampling
// and both log-probability passes, most of an RL round besides the gradient steps, run on
// every thread instead of on the main one.
//
// Shards give the same numbers as one thread: sampling draws exactly one uniform per row per
// step, so the round's uniforms are drawn up front in the serial order (step by step, row by
// row) and each shard replays its rows' share; and the network computes every row on its own
// (no op mixes rows of a batch), so a row's logits do not depend on which rows share its batch.
import type { RerankRequest } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import { sampleDecode } from '../decoding/decode.js';
import type { CandidateTrie } from '../decoding/trie.js';
import type { GloRankModel } from '../glorank/model.js';
import { encoderInputs } from '../glorank/request-encoder.js';

export interface RolloutShard {
  requests: RerankRequest[];
  /** Slates per request (G); rows are request-major, G consecutive rows per request. */
  group: number;
  temperature: number;
  /** [steps x rows] uniforms in [0, 1), step-major: the draws of this shard's rows. */
  uniforms: Float64Array;
}

export interface RolloutPart {
  /** [rows x steps] sampled tokens. */
  tokens: Int32Array;
  /** [rows x slateSize] sampled slates as candidate indices. */
  slates: Int32Array;
  /** [rows x steps] token log-probabilities under the policy and under the reference. */
  oldLogProbs: Float32Array;
  refLogProbs: Float32Array;
}

/** The threads' parts laid end to end in shard order: the rollout one thread samples. */
export function joinRolloutParts(parts: readonly RolloutPart[]): RolloutPart {
  const join = <A extends Int32Array | Float32Array>(
    pick: (p: RolloutPart) => A,
    Make: new (n: number) => A,
  ): A => {
    const out = new Make(parts.reduce((n, p) => n + pick(p).length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(pick(p) as never, at);
      at += pick(p).length;
    }
    return out;
  };
  return {
    tokens: join((p) => p.tokens, Int32Array),
    slates: join((p) => p.slates, Int32Array),
    oldLogProbs: join((p) => p.oldLogProbs, Float32Array),
    refLogProbs: join((p) => p.refLogProbs, Float32Array),
  };
}

/**
 * Draw a round's uniforms in the order sampleDecode consumes them over `rows` rows and
 * `steps` steps, and cut them into the shards' row ranges (each step-major over its rows).
 */
export function shardUniforms(
  next: () => number,
  steps: number,
  rows: number,
  rowRanges: readonly [number, number][],
): Float64Array[] {
  const all = new Float64Array(steps * rows);
  for (let i = 0; i < all.length; i++) all[i] = next();
  return rowRanges.map(([a, b]) => {
    const out = new Float64Array(steps * (b - a));
    for (let s = 0; s < steps; s++) out.set(all.subarray(s * rows + a, s * rows + b), s * (b - a));
    return out;
  });
}

/** Sample the shard's slates from `policy` and score their tokens under `policy` and `reference`. */
export function sampleShard(policy: GloRankModel, reference: GloRankModel, shard: RolloutShard): RolloutPart {
  const G = shard.group;
  const L = policy.config.slateSize;
  const T = policy.steps;
  const x = encoderInputs(shard.requests, policy.config.historyLength);
  const tries = shard.requests.map((r) => policy.trie(r));
  const rows = shard.requests.length * G;
  if (shard.uniforms.length !== rows * T)
    throw new Error(`rollout shard: ${shard.uniforms.length} uniforms for ${rows} rows x ${T} steps`);
  let k = 0;
  const replay = {
    next: (): number => {
      if (k >= shard.uniforms.length)
        throw new Error('rollout shard: sampling drew more uniforms than planned');
      return shard.uniforms[k++] as number;
    },
  };
  const { scorer, dispose } = policy.stepScorer(x, tries);
  let samples: ReturnType<typeof sampleDecode>;
  try {
    samples = sampleDecode(tries, L, scorer, replay, { samples: G, temperature: shard.temperature });
  } finally {
    dispose();
  }
  const rowRequest = Int32Array.from({ length: rows }, (_, i) => Math.floor(i / G));
  const tokens = new Int32Array(rows * T);
  const slates = new Int32Array(rows * L);
  samples.forEach((s, i) => {
    tokens.set(s.tokens, i * T);
    slates.set(s.slate, i * L);
  });
  const masks = policy.trieMasks(
    Array.from(rowRequest, (q) => tries[q] as CandidateTrie),
    tokens,
    x.candidateSlots,
  );
  const logProbs = (model: GloRankModel): Float32Array =>
    tf.tidy(() => {
      const enc = model.encode(x);
      // A copy of our own: the part's buffers are transferred between threads.
      return Float32Array.from(
        model.scoreSequences(enc, x, rowRequest, tokens, masks, shard.temperature).logProbs.dataSync(),
      );
    });
  return { tokens, slates, oldLogProbs: logProbs(policy), refLogProbs: logProbs(reference) };
}
