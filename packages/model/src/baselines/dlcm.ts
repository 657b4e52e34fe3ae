// DLCM baseline (Ai et al. 2018): a GRU reads the initial list from the bottom up, so the
// final state summarises the list with the top results freshest; each candidate is scored
// against that summary by the local ranking function  score_i = v · (s_N ⊙ tanh(W o_i + b)).
// Trained with the attention-rank loss (softmax cross-entropy against label proportions).
import type { Rng } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainContext } from '../methods/reranker.js';
import { Dense } from '../nn/index.js';
import { Gru } from './gru.js';
import {
  baselineParams,
  type FitSummary,
  type HiddenListModelOptions,
  type ListModelReranker,
  listwiseSoftmaxLoss,
  ScoringListModel,
  trainListModel,
  withRetrieverPrior,
} from './list-model.js';
import { type RequestBatch, SCORE_FEATURES } from './request-batch.js';

export type DlcmOptions = HiddenListModelOptions;

class DlcmModel extends ScoringListModel {
  private readonly gru: Gru;
  private readonly local: Dense;
  private readonly v: Dense;

  constructor(rng: Rng, ctx: TrainContext, o: DlcmOptions) {
    super(baselineParams(rng, ctx, o.dim));
    this.gru = new Gru(this.store, 'gru', 3 * o.dim + SCORE_FEATURES, o.hidden);
    this.local = new Dense(this.store, 'local', o.hidden, o.hidden);
    this.v = new Dense(this.store, 'v', o.hidden, 1, { bias: false });
  }

  scores(batch: RequestBatch): tf.Tensor2D {
    const B = batch.size;
    const N = batch.width;
    // The user plays the role of DLCM's query: its features enter every document's vector.
    const x = this.items.candidateFeatures(batch);
    const valid = tf.tensor2d(batch.valid, [B, N]);
    // Bottom-up: the top of the initial list is read last.
    const { outputs, last } = this.gru.run(x, valid, undefined, true);
    const h = this.gru.hidden;
    const local = tf.tanh(this.local.apply(outputs));
    const gated = tf.mul(local, tf.reshape(last, [B, 1, h]));
    const logits = tf.reshape(this.v.apply(gated), [B, N]) as tf.Tensor2D;
    return withRetrieverPrior(logits, batch, this.prior);
  }

  loss(batch: RequestBatch): tf.Scalar {
    return listwiseSoftmaxLoss(this.scores(batch), batch);
  }
}

export function trainDlcm(
  ctx: TrainContext,
  o: DlcmOptions,
): { reranker: ListModelReranker; fit: FitSummary } {
  return trainListModel('dlcm', ctx, o, (rng) => new DlcmModel(rng, ctx, o));
}
