// DNN baseline: a pointwise MLP scores each candidate from its item representation, the
// user's history vector, their product and the retriever-score features; the slate is the
// top-L by score. Trained with binary cross-entropy on click labels.
import type { Rng } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainContext } from '../methods/reranker.js';
import { Dense } from '../nn/index.js';
import {
  baselineParams,
  type FitSummary,
  type HiddenListModelOptions,
  type ListModelReranker,
  pointwiseLoss,
  ScoringListModel,
  trainListModel,
  withRetrieverPrior,
} from './list-model.js';
import { type RequestBatch, SCORE_FEATURES } from './request-batch.js';

export type DnnOptions = HiddenListModelOptions;

class DnnModel extends ScoringListModel {
  private readonly l1: Dense;
  private readonly l2: Dense;
  private readonly out: Dense;

  constructor(rng: Rng, ctx: TrainContext, o: DnnOptions) {
    super(baselineParams(rng, ctx, o.dim));
    this.l1 = new Dense(this.store, 'mlp/1', 3 * o.dim + SCORE_FEATURES, o.hidden);
    this.l2 = new Dense(this.store, 'mlp/2', o.hidden, o.hidden);
    this.out = new Dense(this.store, 'mlp/out', o.hidden, 1);
  }

  /** Logits [B, N]. */
  scores(batch: RequestBatch): tf.Tensor2D {
    const x = this.items.candidateFeatures(batch);
    const h = tf.relu(this.l2.apply(tf.relu(this.l1.apply(x))));
    const logits = tf.reshape(this.out.apply(h), [batch.size, batch.width]) as tf.Tensor2D;
    return withRetrieverPrior(logits, batch, this.prior);
  }

  loss(batch: RequestBatch): tf.Scalar {
    return pointwiseLoss(this.scores(batch), batch);
  }
}

export function trainDnn(ctx: TrainContext, o: DnnOptions): { reranker: ListModelReranker; fit: FitSummary } {
  return trainListModel('dnn', ctx, o, (rng) => new DnnModel(rng, ctx, o));
}
