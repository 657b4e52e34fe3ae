// Seq2Slate baseline (Bello et al. 2018): a pointer network, the classic local-index
// generator. A GRU encodes the initial list; a GRU decoder emits the slate one position at a
// time by attending over the encoder states ("pick candidate #k"), never picking a slot twice.
// Trained by teacher forcing on the demonstration slate (GloRank's SFT targets: label-sorted,
// ties by retriever score); decoded greedily.
import type { RerankRequest, Rng } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import { demonstrationSlate } from '../glorank/demonstrations.js';
import type { TrainContext } from '../methods/reranker.js';
import { Dense, MASK_VALUE, type ParamStore } from '../nn/index.js';
import { Gru } from './gru.js';
import type { ItemEncoder } from './item-encoder.js';
import {
  baselineParams,
  type FitSummary,
  type HiddenListModelOptions,
  type ListModel,
  type ListModelReranker,
  trainListModel,
  withRetrieverPrior,
} from './list-model.js';
import { type RequestBatch, SCORE_FEATURES } from './request-batch.js';

export type Seq2SlateOptions = HiddenListModelOptions;

/** Batch slots of a request's demonstration slate (GloRank's rule: demonstrationSlate). */
function demonstrationSlots(batch: RequestBatch, b: number, length: number): number[] {
  const order = batch.order[b] as Int32Array;
  const slotOf = new Int32Array(order.length);
  order.forEach((candidate, slot) => {
    slotOf[candidate] = slot;
  });
  return Array.from(
    demonstrationSlate(batch.requests[b] as RerankRequest, length),
    (k) => slotOf[k] as number,
  );
}

class Seq2SlateModel implements ListModel {
  readonly store: ParamStore;
  readonly items: ItemEncoder;
  private readonly prior: tf.Variable;
  private readonly input: Dense;
  private readonly encoder: Gru;
  private readonly decoder: Gru;
  private readonly start: tf.Variable;
  private readonly keyProj: Dense;
  private readonly queryProj: Dense;
  private readonly v: Dense;

  constructor(
    rng: Rng,
    ctx: TrainContext,
    private readonly o: Seq2SlateOptions,
  ) {
    ({ store: this.store, items: this.items, prior: this.prior } = baselineParams(rng, ctx, o.dim));
    this.input = new Dense(this.store, 'input', 3 * o.dim + SCORE_FEATURES, o.dim);
    this.encoder = new Gru(this.store, 'encoder', o.dim, o.hidden);
    this.decoder = new Gru(this.store, 'decoder', o.dim, o.hidden);
    this.start = this.store.create('start', [1, o.dim], { kind: 'normal', std: 0.1 });
    this.keyProj = new Dense(this.store, 'pointer/key', o.hidden, o.hidden, { bias: false });
    this.queryProj = new Dense(this.store, 'pointer/query', o.hidden, o.hidden);
    this.v = new Dense(this.store, 'pointer/v', o.hidden, 1, { bias: false });
  }

  private encode(batch: RequestBatch) {
    const B = batch.size;
    const N = batch.width;
    const x = tf.tanh(this.input.apply(this.items.candidateFeatures(batch))) as tf.Tensor3D;
    const { outputs, last } = this.encoder.run(x, tf.tensor2d(batch.valid, [B, N]));
    return { x, keys: this.keyProj.apply(outputs), state: last };
  }

  /** Pointer logits [B, N] for decoder state h, with `blocked` [B, N] (1 = not allowed). */
  private pointer(keys: tf.Tensor, h: tf.Tensor2D, blocked: tf.Tensor2D, batch: RequestBatch): tf.Tensor2D {
    const [B, N] = blocked.shape;
    const q = tf.expandDims(this.queryProj.apply(h), 1);
    const logits = tf.reshape(this.v.apply(tf.tanh(tf.add(keys, q))), [B, N]) as tf.Tensor2D;
    return tf.add(withRetrieverPrior(logits, batch, this.prior), tf.mul(blocked, MASK_VALUE)) as tf.Tensor2D;
  }

  loss(batch: RequestBatch): tf.Scalar {
    const B = batch.size;
    const N = batch.width;
    const L = this.o.slateSize;
    const { x, keys, state } = this.encode(batch);
    const targets = Array.from({ length: B }, (_, b) => demonstrationSlots(batch, b, L));
    const blocked = new Float32Array(B * N);
    for (let i = 0; i < blocked.length; i++) blocked[i] = 1 - (batch.valid[i] as number);
    let h = state;
    let input = tf.broadcastTo(this.start, [B, this.o.dim]) as tf.Tensor2D;
    const losses: tf.Scalar[] = [];
    for (let t = 0; t < L; t++) {
      const target = new Float32Array(B * N);
      const stepWeight = new Float32Array(B);
      for (let b = 0; b < B; b++) {
        const slot = targets[b]?.[t];
        if (slot === undefined) continue;
        target[b * N + slot] = 1;
        stepWeight[b] = 1;
      }
      h = this.decoder.step(input, h);
      const logp = tf.logSoftmax(this.pointer(keys, h, tf.tensor2d(blocked, [B, N]), batch));
      const onehot = tf.tensor2d(target, [B, N]);
      const nll = tf.neg(tf.sum(tf.mul(onehot, logp), 1));
      losses.push(
        tf.div(
          tf.sum(tf.mul(nll, tf.tensor1d(stepWeight))),
          Math.max(
            1,
            stepWeight.reduce((a, w) => a + w, 0),
          ),
        ) as tf.Scalar,
      );
      // Teacher forcing: the demonstrated item is the next input and is blocked from now on.
      input = tf.reshape(tf.matMul(tf.expandDims(onehot, 1), x), [B, this.o.dim]) as tf.Tensor2D;
      for (let b = 0; b < B; b++) {
        const slot = targets[b]?.[t];
        if (slot !== undefined) blocked[b * N + slot] = 1;
      }
    }
    return tf.div(tf.addN(losses), L) as tf.Scalar;
  }

  choose(batch: RequestBatch, requests: readonly RerankRequest[], slateSize: number): Int32Array[] {
    const B = batch.size;
    const N = batch.width;
    const { x, keys, state } = this.encode(batch);
    const blocked = new Float32Array(B * N);
    for (let i = 0; i < blocked.length; i++) blocked[i] = 1 - (batch.valid[i] as number);
    const slates = requests.map((r) => new Int32Array(Math.min(slateSize, r.candidates.length)));
    let h = state;
    let input = tf.broadcastTo(this.start, [B, this.o.dim]) as tf.Tensor2D;
    for (let t = 0; t < slateSize; t++) {
      h = this.decoder.step(input, h);
      const logits = this.pointer(keys, h, tf.tensor2d(blocked, [B, N]), batch).dataSync();
      const pick = new Float32Array(B * N);
      for (let b = 0; b < B; b++) {
        const slate = slates[b] as Int32Array;
        if (t >= slate.length) continue;
        let best = -1;
        for (let i = 0; i < N; i++) {
          if ((blocked[b * N + i] as number) > 0) continue;
          if (best < 0 || (logits[b * N + i] as number) > (logits[b * N + best] as number)) best = i;
        }
        blocked[b * N + best] = 1;
        pick[b * N + best] = 1;
        const r = requests[b] as RerankRequest;
        slate[t] = r.candidates[(batch.order[b] as Int32Array)[best] as number] as number;
      }
      input = tf.reshape(tf.matMul(tf.expandDims(tf.tensor2d(pick, [B, N]), 1), x), [
        B,
        this.o.dim,
      ]) as tf.Tensor2D;
    }
    return slates;
  }

  dispose(): void {
    this.items.dispose();
    this.store.dispose();
  }
}

export function trainSeq2Slate(
  ctx: TrainContext,
  o: Seq2SlateOptions,
): { reranker: ListModelReranker; fit: FitSummary } {
  return trainListModel('seq2slate', ctx, o, (rng) => new Seq2SlateModel(rng, ctx, o));
}
