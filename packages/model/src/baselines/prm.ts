// PRM baseline (Pei et al. 2019): a transformer encoder over the initial list, each slot
// carrying the item, a personalised vector (here the user's history mean) and the initial
// position; a softmax over the list scores every candidate and the slate is the top-L.
import type { Rng } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainContext } from '../methods/reranker.js';
import { Dense, Embedding, EncoderBlock, LayerNorm, lengthMask } from '../nn/index.js';
import {
  baselineParams,
  type FitBudget,
  type FitSummary,
  type ListModelReranker,
  listwiseSoftmaxLoss,
  ScoringListModel,
  trainListModel,
  withRetrieverPrior,
} from './list-model.js';
import { type RequestBatch, SCORE_FEATURES } from './request-batch.js';

export interface PrmOptions extends FitBudget {
  dim: number;
  heads: number;
  layers: number;
}

class PrmModel extends ScoringListModel {
  private readonly input: Dense;
  private readonly position: Embedding;
  private readonly blocks: EncoderBlock[];
  private readonly norm: LayerNorm;
  private readonly out: Dense;

  constructor(rng: Rng, ctx: TrainContext, o: PrmOptions) {
    super(baselineParams(rng, ctx, o.dim));
    this.input = new Dense(this.store, 'input', 3 * o.dim + SCORE_FEATURES, o.dim);
    const maxList = ctx.dataset.requests.reduce((m, r) => Math.max(m, r.candidates.length), 1);
    this.position = new Embedding(this.store, 'position', maxList, o.dim);
    this.blocks = Array.from(
      { length: o.layers },
      (_, i) => new EncoderBlock(this.store, `enc${i}`, { dim: o.dim, heads: o.heads, hidden: 2 * o.dim }),
    );
    this.norm = new LayerNorm(this.store, 'norm', o.dim);
    this.out = new Dense(this.store, 'out', o.dim, 1);
  }

  scores(batch: RequestBatch): tf.Tensor2D {
    const B = batch.size;
    const N = batch.width;
    // The user vector is PRM's personalised vector.
    const features = this.items.candidateFeatures(batch);
    const pos = this.position.apply(tf.range(0, N, 1, 'int32'));
    let x: tf.Tensor = tf.add(this.input.apply(features), tf.expandDims(pos, 0));
    const lengths = new Int32Array(B);
    for (let b = 0; b < B; b++)
      for (let i = 0; i < N; i++) lengths[b] = (lengths[b] as number) + (batch.valid[b * N + i] as number);
    const mask = lengthMask(lengths, N);
    for (const block of this.blocks) x = block.apply(x, mask);
    const logits = tf.reshape(this.out.apply(this.norm.apply(x)), [B, N]) as tf.Tensor2D;
    return withRetrieverPrior(logits, batch, this.prior);
  }

  loss(batch: RequestBatch): tf.Scalar {
    return listwiseSoftmaxLoss(this.scores(batch), batch);
  }
}

export function trainPrm(ctx: TrainContext, o: PrmOptions): { reranker: ListModelReranker; fit: FitSummary } {
  return trainListModel('prm', ctx, o, (rng) => new PrmModel(rng, ctx, o));
}
