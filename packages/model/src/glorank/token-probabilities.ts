// The probability GloRank gave each token of a slate it emitted, along the candidate trie:
// one teacher-forced pass over the decoded slates (what the dashboard's request inspector
// shows per slate position and code level). For the local-index ablation a slot is one token.
import type { RerankRequest } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import type { GloRankModel } from './model.js';
import { encoderInputs } from './request-encoder.js';

/** [request][slot][level] probabilities of `slates` (candidate indices, full length L). */
export function tokenProbabilities(
  model: GloRankModel,
  requests: readonly RerankRequest[],
  slates: readonly ArrayLike<number>[],
  batchSize = 128,
): number[][][] {
  const T = model.steps;
  const levels = model.levels;
  const out: number[][][] = [];
  for (let i = 0; i < requests.length; i += batchSize) {
    const batch = requests.slice(i, i + batchSize);
    const x = encoderInputs(batch, model.config.historyLength);
    const tokens = new Int32Array(batch.length * T);
    batch.forEach((r, b) => {
      tokens.set(model.slateTokens(r, slates[i + b] as ArrayLike<number>), b * T);
    });
    const masks = model.trieMasks(
      batch.map((r) => model.trie(r)),
      tokens,
      x.candidateSlots,
    );
    const logProbs = tf.tidy(() =>
      model.scoreSequences(model.encode(x), x, null, tokens, masks).logProbs.dataSync(),
    );
    for (let b = 0; b < batch.length; b++) {
      const slots: number[][] = [];
      for (let s = 0; s < T / levels; s++) {
        const level: number[] = [];
        for (let l = 0; l < levels; l++) level.push(Math.exp(logProbs[b * T + s * levels + l] as number));
        slots.push(level);
      }
      out.push(slots);
    }
  }
  return out;
}
