// The SFT and GRPO losses checked by value on tiny hand-worked cases. The token
// log-probabilities and entropies the losses start from are recomputed here from the step
// scorer's raw logits (trie mask, temperature, log-softmax in float64), a path independent of
// scoreSequences; the policy-gradient, KL and entropy arithmetic is written out by hand.
//
// Broken variants these tests kill (each applied to shard-loss.ts and seen to fail):
//   - `minimum` swapped for `maximum` in the clipped term   -> "GRPO loss ... hand-worked"
//   - clipping removed (ratio used where the clipped ratio is) -> "GRPO loss ... hand-worked"
//   - KL term reversed (log(pi/ref) where log(ref/pi) is)    -> "GRPO loss ... hand-worked"
//   - KL term removed                                         -> "GRPO loss ... hand-worked"
//   - entropy bonus sign flipped or removed                   -> "GRPO loss ... hand-worked"
//   - temperature ignored in the scored log-probabilities     -> "GRPO loss ... hand-worked"
//   - SFT weights ignored / normaliser wrong / sign flipped   -> "SFT loss ... hand-worked"
import { type RerankRequest, Rng } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { sampleDecode } from '../decoding/decode.js';
import type { CandidateTrie } from '../decoding/trie.js';
import { GloRankModel } from '../glorank/model.js';
import { encoderInputs } from '../glorank/request-encoder.js';
import { contentCodes, TINY_MODEL_CONFIG, tinyBenchmark } from '../glorank/test-support/tiny-benchmark.js';
import { ParamStore } from '../nn/params.js';
import {
  type GrpoShard,
  prepareShard,
  type SftShard,
  shardCount,
  shardLoss,
  shardValueAndGrads,
} from './shard-loss.js';

const ds = tinyBenchmark();
const codes = contentCodes(ds);
const requests = ds.requests.filter((r) => r.split === 'train').slice(0, 2);

/** Per-token log-probability and entropy of the trie-masked softmax(logits / temperature), in float64. */
function referenceScores(
  model: GloRankModel,
  reqs: readonly RerankRequest[],
  rowRequest: Int32Array,
  tokens: Int32Array,
  temperature: number,
): { logProbs: Float64Array; entropy: Float64Array } {
  const T = model.steps;
  const rows = rowRequest.length;
  const tries = reqs.map((r) => model.trie(r));
  const { scorer, dispose } = model.stepScorer(encoderInputs(reqs, model.config.historyLength), tries, {
    cache: false,
  });
  const logProbs = new Float64Array(rows * T);
  const entropy = new Float64Array(rows * T);
  try {
    const cursors = Array.from(rowRequest, (q) => (tries[q] as CandidateTrie).cursor());
    for (let t = 0; t < T; t++) {
      const prefixes = new Int32Array(rows * t);
      for (let r = 0; r < rows; r++) prefixes.set(tokens.subarray(r * T, r * T + t), r * t);
      const logits = scorer(t, rowRequest, prefixes);
      const width = logits.length / rows;
      for (let r = 0; r < rows; r++) {
        const allowed = cursors[r]!.allowed();
        const z = allowed.map((c) => logits[r * width + c]! / temperature);
        const max = Math.max(...z);
        const lse = max + Math.log(z.reduce((a, v) => a + Math.exp(v - max), 0));
        const lp = z.map((v) => v - lse);
        const tok = tokens[r * T + t]!;
        const at = allowed.indexOf(tok);
        expect(at).toBeGreaterThanOrEqual(0);
        logProbs[r * T + t] = lp[at]!;
        entropy[r * T + t] = -lp.reduce((a, v) => a + Math.exp(v) * v, 0);
        cursors[r]!.push(tok);
      }
    }
  } finally {
    dispose();
  }
  return { logProbs, entropy };
}

function lossOf(model: GloRankModel, shard: GrpoShard | SftShard): { loss: number; stats: number[] } {
  const p = prepareShard(model, shard);
  return tf.tidy(() => {
    const out = shardLoss(model, p, p.count);
    const stats = out.stats.map((s) => s.dataSync()[0] as number);
    tf.dispose(out.stats);
    return { loss: out.loss.dataSync()[0] as number, stats };
  });
}

describe('shard losses', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('GRPO loss = clipped surrogate + k3 KL - entropy bonus, hand-worked with clipping on both sides', () => {
    const model = new GloRankModel(new ParamStore(new Rng(21)), codes, TINY_MODEL_CONFIG);
    const T = model.steps;
    const temperature = 0.7;
    const G = 3;
    const tries = requests.map((r) => model.trie(r));
    const { scorer, dispose } = model.stepScorer(encoderInputs(requests, model.config.historyLength), tries);
    const samples = sampleDecode(tries, model.config.slateSize, scorer, new Rng(5), {
      samples: G,
      temperature,
    });
    dispose();
    const rows = samples.length;
    expect(rows).toBe(6);
    const rowRequest = Int32Array.from({ length: rows }, (_, i) => Math.floor(i / G));
    const tokens = new Int32Array(rows * T);
    samples.forEach((s, i) => {
      tokens.set(s.tokens, i * T);
    });
    const ref = referenceScores(model, requests, rowRequest, tokens, temperature);
    // The decoder's own log-probabilities agree with the reference (a check of the reference).
    samples.forEach((s, i) => {
      for (let t = 0; t < T; t++) expect(s.logProbs[t]).toBeCloseTo(ref.logProbs[i * T + t]!, 4);
    });

    // Per row: the ratio pi/pi_old, the advantage, and d = log(pi_ref / pi) (constant over the row).
    const clip = 0.2;
    const cases = [
      { ratio: 1.5, adv: 1, d: Math.log(2) }, //  clipped above, A > 0: -min(1.5, 1.2) = -1.2
      { ratio: 1.5, adv: -1, d: -Math.log(2) }, // A < 0: -min(-1.5, -1.2) = 1.5 (unclipped side wins)
      { ratio: 0.5, adv: 1, d: Math.log(1.5) }, // A > 0: -min(0.5, 0.8) = -0.5
      { ratio: 0.5, adv: -1, d: 0 }, //            clipped below, A < 0: -min(-0.5, -0.8) = 0.8
      { ratio: 1.1, adv: 2, d: Math.log(3) }, //   inside the clip range: -2.2
      { ratio: 0.9, adv: -0.5, d: -Math.log(1.5) }, // inside: 0.45
    ];
    const pgByHand = [-1.2, 1.5, -0.5, 0.8, -2.2, 0.45];
    // k3 estimator exp(d) - d - 1 of KL(pi || pi_ref), by hand for each d above.
    const klByHand = [
      2 - Math.log(2) - 1,
      0.5 + Math.log(2) - 1,
      1.5 - Math.log(1.5) - 1,
      0,
      3 - Math.log(3) - 1,
      1 / 1.5 + Math.log(1.5) - 1,
    ];
    const oldLogProbs = new Float32Array(rows * T);
    const refLogProbs = new Float32Array(rows * T);
    for (let r = 0; r < rows; r++) {
      for (let t = 0; t < T; t++) {
        const lp = ref.logProbs[r * T + t]!;
        oldLogProbs[r * T + t] = lp - Math.log(cases[r]!.ratio);
        refLogProbs[r * T + t] = lp + cases[r]!.d;
      }
    }
    const advantages = Float32Array.from(cases, (c) => c.adv);
    const shard = (klCoef: number, entropyCoef: number): GrpoShard => ({
      kind: 'grpo',
      requests,
      rowRequest,
      tokens,
      oldLogProbs,
      refLogProbs,
      advantages,
      loss: { clip, klCoef, entropyCoef, temperature },
    });
    const N = rows * T;
    expect(shardCount(model, shard(0, 0))).toBe(N);
    const entropySum = ref.entropy.reduce((a, b) => a + b, 0);
    const pgMean = pgByHand.reduce((a, b) => a + b, 0) / rows;
    const klMean = klByHand.reduce((a, b) => a + b, 0) / rows;

    // Policy-gradient term alone: the hand-worked value 1.15 / 6 per token.
    const pgOnly = lossOf(model, shard(0, 0));
    expect(pgMean).toBeCloseTo(-1.15 / 6, 12);
    expect(pgOnly.loss).toBeCloseTo(pgMean, 4);
    // Statistics: mean k3 KL, fraction of tokens with |ratio - 1| > clip (rows 0-3), mean entropy.
    expect(pgOnly.stats[0]).toBeCloseTo(klMean, 4);
    expect(pgOnly.stats[1]).toBeCloseTo(4 / 6, 5);
    expect(pgOnly.stats[2]).toBeCloseTo(entropySum / N, 4);
    expect(entropySum / N).toBeGreaterThan(0.05);

    // With the KL penalty and the entropy bonus.
    const klCoef = 0.3;
    const entropyCoef = 0.05;
    const full = lossOf(model, shard(klCoef, entropyCoef));
    expect(full.loss).toBeCloseTo(pgMean + klCoef * klMean - (entropyCoef * entropySum) / N, 4);
    const vg = shardValueAndGrads(model, prepareShard(model, shard(klCoef, entropyCoef)), N);
    expect(vg.loss).toBeCloseTo(full.loss, 5);
    expect(vg.stats.map((v, i) => v - full.stats[i]!).every((d) => Math.abs(d) < 1e-5)).toBe(true);
    for (const g of vg.grads.values()) g.dispose();
    model.store.dispose();
  });

  it('SFT loss = -(sum of weighted target log-probabilities) / total weight, hand-worked', () => {
    const model = new GloRankModel(new ParamStore(new Rng(22)), codes, TINY_MODEL_CONFIG);
    const T = model.steps;
    const L = model.config.slateSize;
    const targets = [Int32Array.from([3, 0, 7, 1]), Int32Array.from([2, 5, 4, 9])];
    const tokens = new Int32Array(2 * T);
    targets.forEach((s, i) => {
      tokens.set(model.slateTokens(requests[i]!, s), i * T);
    });
    const ref = referenceScores(model, requests, Int32Array.from([0, 1]), tokens, 1);
    const perSlot = T / L;
    const slotSum = (row: number, slot: number) => {
      let s = 0;
      for (let t = slot * perSlot; t < (slot + 1) * perSlot; t++) s += ref.logProbs[row * T + t]!;
      return s;
    };
    const all = Array.from(ref.logProbs).reduce((a, b) => a + b, 0);

    const plain = lossOf(model, { kind: 'sft', requests, targets });
    expect(shardCount(model, { kind: 'sft', requests, targets })).toBe(2 * T);
    expect(plain.loss).toBeCloseTo(-all / (2 * T), 4);
    // The value-and-gradients entry the trainers and workers call gives the same loss and a
    // finite, non-zero gradient for every parameter that the loss reaches.
    const prepared = prepareShard(model, { kind: 'sft', requests, targets });
    const vg = shardValueAndGrads(model, prepared, prepared.count);
    expect(vg.loss).toBeCloseTo(plain.loss, 5);
    expect(vg.stats).toEqual([]);
    expect(vg.grads.size).toBeGreaterThan(0);
    let norm = 0;
    for (const [name, g] of vg.grads) {
      expect(model.store.has(name)).toBe(true);
      for (const v of g.dataSync()) {
        expect(Number.isFinite(v)).toBe(true);
        norm += v * v;
      }
      g.dispose();
    }
    expect(norm).toBeGreaterThan(0);
    expect(plain.loss).toBeGreaterThan(0);

    // Slot weights: each weight covers its slot's `levels` tokens; the normaliser is the total weight.
    const weights = [Float32Array.from([1, 0.5, 0, 2]), Float32Array.from([0, 0, 1, 0.25])];
    const weighted = lossOf(model, { kind: 'sft', requests, targets, weights });
    let num = 0;
    let den = 0;
    weights.forEach((ws, i) => {
      ws.forEach((w, s) => {
        num += w * slotSum(i, s);
        den += w * perSlot;
      });
    });
    expect(den).toBe(4.75 * perSlot);
    expect(shardCount(model, { kind: 'sft', requests, targets, weights })).toBeCloseTo(den, 5);
    expect(weighted.loss).toBeCloseTo(-num / den, 4);

    // No weight at all: nothing to learn from, loss 0 (not NaN).
    const none = lossOf(model, {
      kind: 'sft',
      requests,
      targets,
      weights: [new Float32Array(L), new Float32Array(L)],
    });
    expect(Math.abs(none.loss)).toBe(0);
    model.store.dispose();
  });
});
