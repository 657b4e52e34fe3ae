// DNN baseline: a pointwise MLP scores each candidate from its item representation, the
// user's history vector, their product and the retriever-score features; the slate is the
// top-L by score. Trained with binary cross-entropy on click labels.
import type { Rng } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainContext } from '../methods/reranker.js';
import { Dense, ParamStore } from '../nn/index.js';
import { ItemEncoder } from './item-encoder.js';
import {
  createPriorWeight,
  type FitSummary,
  type ListModelReranker,
  pointwiseLoss,
  ScoringListModel,
  trainListModel,
  withRetrieverPrior,
} from './list-model.js';
import { type RequestBatch, SCORE_FEATURES } from './request-batch.js';

export interface DnnOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  maxSteps: number;
  dim: number;
  hidden: number;
  slateSize: number;
}

class DnnModel extends ScoringListModel {
  readonly store: ParamStore;
  readonly items: ItemEncoder;
  private readonly prior: tf.Variable;
  private readonly l1: Dense;
  private readonly l2: Dense;
  private readonly out: Dense;

  constructor(rng: Rng, ctx: TrainContext, o: DnnOptions) {
    super();
    this.store = new ParamStore(rng.fork('init'));
    this.items = new ItemEncoder(this.store, 'item', ctx.dataset.items, o.dim);
    this.prior = createPriorWeight(this.store);
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
