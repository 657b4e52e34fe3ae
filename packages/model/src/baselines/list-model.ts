// What the tfjs baselines share: the ListModel contract (a loss on a request batch and a way
// to choose a slate), the training loop (shuffled mini-batches, AdamW, validation NDCG after
// every epoch with the best epoch's weights kept), and the Reranker wrapper around it.
import { type RerankRequest, Rng, slateMetrics } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import type { Reranker, TrainContext, TrainLogger } from '../methods/reranker.js';
import { Adam, ParamStore, type StoredArray, saveCheckpoint } from '../nn/index.js';
import { ItemEncoder } from './item-encoder.js';
import { buildBatch, type RequestBatch, SCORE_FEATURES, slateFromScores } from './request-batch.js';

export interface ListModel {
  readonly store: ParamStore;
  /** Scalar training loss of a batch (called inside tf.variableGrads). */
  loss(batch: RequestBatch): tf.Scalar;
  /** Slates for every request of the batch (item ids, best first). */
  choose(batch: RequestBatch, requests: readonly RerankRequest[], slateSize: number): Int32Array[];
  dispose(): void;
}

/** Slates from a per-slot score tensor [B, N] (padding never chosen). */
export function chooseByScores(
  scores: tf.Tensor2D,
  batch: RequestBatch,
  requests: readonly RerankRequest[],
  slateSize: number,
): Int32Array[] {
  const values = scores.dataSync();
  const N = batch.width;
  return requests.map((r, b) =>
    slateFromScores(r, batch.order[b] as Int32Array, values.subarray(b * N, (b + 1) * N), slateSize),
  );
}

/**
 * A baseline that scores every candidate slot and shows the top L (DNN, DLCM, PRM):
 * subclasses build on baselineParams and give the scores [B, N] and the loss on them.
 */
export abstract class ScoringListModel implements ListModel {
  readonly store: ParamStore;
  readonly items: ItemEncoder;
  protected readonly prior: tf.Variable;

  constructor(params: BaselineParams) {
    this.store = params.store;
    this.items = params.items;
    this.prior = params.prior;
  }

  abstract scores(batch: RequestBatch): tf.Tensor2D;
  abstract loss(batch: RequestBatch): tf.Scalar;

  choose(batch: RequestBatch, requests: readonly RerankRequest[], slateSize: number): Int32Array[] {
    return chooseByScores(this.scores(batch), batch, requests, slateSize);
  }

  dispose(): void {
    this.items.dispose();
    this.store.dispose();
  }
}

export interface FitOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Stop after this many updates in total (0: no limit). */
  maxSteps: number;
  slateSize: number;
  maxHistory: number;
  padId: number;
  rng: Rng;
  logger: TrainLogger;
}

export interface FitSummary {
  steps: number;
  epochs: number;
  bestEpoch: number;
  bestValidNdcg: number;
  finalLoss: number;
}

function rankAll(
  model: ListModel,
  requests: readonly RerankRequest[],
  slateSize: number,
  o: { padId: number; maxHistory: number },
): Int32Array[] {
  const out: Int32Array[] = [];
  const chunk = 256;
  for (let i = 0; i < requests.length; i += chunk) {
    const part = requests.slice(i, i + chunk);
    const batch = buildBatch(part, o);
    out.push(...tf.tidy(() => model.choose(batch, part, slateSize)));
  }
  return out;
}

/** Train `model` on `train`, keeping the weights of the epoch with the best validation NDCG@L. */
export function fitListModel(
  model: ListModel,
  train: readonly RerankRequest[],
  valid: readonly RerankRequest[],
  o: FitOptions,
): FitSummary {
  const opt = new Adam(model.store, { lr: o.learningRate, clipNorm: 5, weightDecay: 1e-4 });
  const shuffle = o.rng.fork('batches');
  let steps = 0;
  let best: Map<string, StoredArray> | null = null;
  let bestEpoch = 0;
  let bestNdcg = Number.NEGATIVE_INFINITY;
  let finalLoss = Number.NaN;
  let epochsRun = 0;
  const validate = (epoch: number) => {
    if (valid.length === 0) return;
    const slates = rankAll(model, valid, o.slateSize, o);
    const m = slateMetrics(valid, slates, o.slateSize);
    o.logger.log(steps, { 'valid/ndcg': m.ndcg, 'valid/precision': m.precision, epoch });
    if (m.ndcg > bestNdcg) {
      bestNdcg = m.ndcg;
      bestEpoch = epoch;
      best = model.store.exportArrays();
    }
  };
  validate(0);
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    if (o.maxSteps > 0 && steps >= o.maxSteps) break;
    const idx = shuffle.shuffle(Array.from({ length: train.length }, (_, i) => i));
    let lossSum = 0;
    let lossCount = 0;
    for (let i = 0; i < idx.length; i += o.batchSize) {
      if (o.maxSteps > 0 && steps >= o.maxSteps) break;
      const part = idx.slice(i, i + o.batchSize).map((j) => train[j] as RerankRequest);
      const batch = buildBatch(part, o);
      const { value, grads } = model.store.valueAndGrads(() => model.loss(batch));
      opt.step(grads);
      const loss = value.dataSync()[0] as number;
      value.dispose();
      for (const g of grads.values()) g.dispose();
      steps++;
      lossSum += loss;
      lossCount++;
      if (steps % 10 === 0) o.logger.log(steps, { 'train/loss': loss });
    }
    finalLoss = lossSum / Math.max(lossCount, 1);
    epochsRun = epoch;
    o.logger.log(steps, { 'train/epoch_loss': finalLoss, epoch });
    validate(epoch);
  }
  if (best !== null) model.store.importArrays(best);
  opt.dispose();
  o.logger.info?.(`best validation NDCG@${o.slateSize} ${bestNdcg.toFixed(2)} at epoch ${bestEpoch}`);
  return { steps, epochs: epochsRun, bestEpoch, bestValidNdcg: bestNdcg, finalLoss };
}

/** The budget every baseline's options carry (fitListModel's own options). */
export type FitBudget = Pick<FitOptions, 'epochs' | 'batchSize' | 'learningRate' | 'maxSteps' | 'slateSize'>;

/** Options of the baselines sized by an item embedding and one hidden width (DNN, DLCM, Seq2Slate). */
export interface HiddenListModelOptions extends FitBudget {
  dim: number;
  hidden: number;
}

/** What every baseline model starts with: its parameter store, item encoder and retriever-prior weight. */
export interface BaselineParams {
  store: ParamStore;
  items: ItemEncoder;
  prior: tf.Variable;
}

/**
 * The parameters every baseline creates first, in this order (the store's initialiser draws
 * from one stream, so the order fixes every later weight): store from the model rng's 'init'
 * fork, the item encoder of width `dim`, then the retriever-prior weight.
 */
export function baselineParams(rng: Rng, ctx: TrainContext, dim: number): BaselineParams {
  const store = new ParamStore(rng.fork('init'));
  const items = new ItemEncoder(store, 'item', ctx.dataset.items, dim);
  return { store, items, prior: createPriorWeight(store) };
}

/**
 * Train the baseline `name`: build its model from the seed's rng fork, fit it on the train
 * split (best validation epoch kept) and wrap it as a Reranker that records its options.
 */
export function trainListModel<O extends FitBudget>(
  name: string,
  ctx: TrainContext,
  o: O,
  build: (rng: Rng) => ListModel & { readonly items: { readonly padId: number } },
): { reranker: ListModelReranker; fit: FitSummary } {
  const rng = new Rng(ctx.seed).fork(name);
  const model = build(rng);
  const train = ctx.dataset.requests.filter((r) => r.split === 'train');
  const valid = ctx.dataset.requests.filter((r) => r.split === 'valid');
  const io = { padId: model.items.padId, maxHistory: ctx.dataset.manifest.protocol.historyLength };
  const fit = fitListModel(model, train, valid, { ...o, ...io, rng, logger: ctx.logger });
  return { reranker: new ListModelReranker(name, model, io, { options: o, fit }), fit };
}

/** A trained tfjs baseline as a Reranker; `save` writes its weights as an nn checkpoint. */
export class ListModelReranker implements Reranker {
  constructor(
    readonly name: string,
    private readonly model: ListModel,
    private readonly o: { padId: number; maxHistory: number },
    readonly meta: Record<string, unknown>,
  ) {}

  rank(requests: readonly RerankRequest[], slateSize: number): Int32Array[] {
    return rankAll(this.model, requests, slateSize, this.o);
  }

  async save(dir: string): Promise<void> {
    await saveCheckpoint(dir, {
      meta: { method: this.name, ...this.meta },
      arrays: this.model.store.exportArrays(),
    });
  }

  dispose(): void {
    this.model.dispose();
  }
}

/**
 * Adds `weight` x the standardised retriever score to per-slot logits [B, N]. With the weight
 * created at 1 (`createPriorWeight`), an untrained model ranks like the initial order and
 * training learns corrections to it, so a small budget never ends below the retriever.
 */
export function withRetrieverPrior(
  logits: tf.Tensor2D,
  batch: RequestBatch,
  weight: tf.Variable,
): tf.Tensor2D {
  const B = batch.size;
  const N = batch.width;
  const z = new Float32Array(B * N);
  for (let i = 0; i < B * N; i++) z[i] = batch.scoreFeatures[i * SCORE_FEATURES] as number;
  return tf.add(logits, tf.mul(tf.tensor2d(z, [B, N]), weight)) as tf.Tensor2D;
}

function createPriorWeight(store: ParamStore): tf.Variable {
  return store.create('retriever-prior', [1], { kind: 'ones' });
}

/** Masked softmax cross-entropy of per-slot logits [B, N] against label-proportional targets. */
export function listwiseSoftmaxLoss(logits: tf.Tensor2D, batch: RequestBatch): tf.Scalar {
  const B = batch.size;
  const N = batch.width;
  // Target distribution ∝ 2^y - 1 over the list; requests without positives are left out.
  const target = new Float32Array(B * N);
  const weight = new Float32Array(B);
  for (let b = 0; b < B; b++) {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += 2 ** (batch.labels[b * N + i] as number) - 1;
    if (sum <= 0) continue;
    weight[b] = 1;
    for (let i = 0; i < N; i++) target[b * N + i] = (2 ** (batch.labels[b * N + i] as number) - 1) / sum;
  }
  const count = weight.reduce((a, x) => a + x, 0);
  if (count === 0) return tf.mul(tf.sum(logits), 0) as tf.Scalar;
  const valid = tf.tensor2d(batch.valid, [B, N]);
  const masked = tf.add(logits, tf.mul(tf.sub(1, valid), -1e9));
  const logp = tf.logSoftmax(masked);
  const perRequest = tf.neg(tf.sum(tf.mul(tf.tensor2d(target, [B, N]), logp), 1));
  return tf.div(tf.sum(tf.mul(perRequest, tf.tensor1d(weight))), count) as tf.Scalar;
}

/** Masked pointwise binary cross-entropy (label > 0 is a click) of logits [B, N]. */
export function pointwiseLoss(logits: tf.Tensor2D, batch: RequestBatch): tf.Scalar {
  const B = batch.size;
  const N = batch.width;
  const y = new Float32Array(B * N);
  for (let i = 0; i < y.length; i++) y[i] = (batch.labels[i] as number) > 0 ? 1 : 0;
  const valid = tf.tensor2d(batch.valid, [B, N]);
  const yt = tf.tensor2d(y, [B, N]);
  // Stable form of -y log σ(x) - (1 - y) log(1 - σ(x)).
  const bce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, yt)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
  return tf.div(tf.sum(tf.mul(bce, valid)), tf.maximum(tf.sum(valid), 1)) as tf.Scalar;
}
