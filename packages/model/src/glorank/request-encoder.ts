// The encoder side shared by GloRank, its local-index ablation and the list-wise
// evaluator: a request becomes one sequence [history (most recent first, with recency
// positions) | candidates], embedded from semantic IDs, and passes through transformer
// blocks. Candidates carry no position (only their retriever score as a feature), so the
// encoding of a candidate does not depend on where it sits in the input list.
import type { ItemCodes, RerankRequest } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import { MASK_VALUE } from '../nn/attention.js';
import { Dense, Embedding, LayerNorm } from '../nn/layers.js';
import type { ParamStore } from '../nn/params.js';
import { type BlockOptions, EncoderBlock } from '../nn/transformer.js';
import { ItemEmbedder } from './item-embedder.js';

/** Plain-array inputs of a batch of requests (built on the CPU, turned into tensors per step). */
export interface EncoderInputs {
  batch: number;
  /** History slots H and candidate slots N of the padded batch. */
  historySlots: number;
  candidateSlots: number;
  /** [batch x H], most recent first, padded with item 0. */
  historyIds: Int32Array;
  historyLength: Int32Array;
  /** [batch x N] in the request's order, padded with item 0. */
  candidateIds: Int32Array;
  candidateCount: Int32Array;
  /** [batch x N] retriever scores standardised within the request (0 for padding). */
  scores: Float32Array;
}

/** Gather the encoder's inputs for `requests`, keeping at most `historyLength` recent history items. */
export function encoderInputs(requests: readonly RerankRequest[], historyLength: number): EncoderInputs {
  const batch = requests.length;
  const H = Math.max(1, Math.min(historyLength, Math.max(0, ...requests.map((r) => r.history.length))));
  const N = Math.max(1, ...requests.map((r) => r.candidates.length));
  const historyIds = new Int32Array(batch * H);
  const historyLen = new Int32Array(batch);
  const candidateIds = new Int32Array(batch * N);
  const candidateCount = new Int32Array(batch);
  const scores = new Float32Array(batch * N);
  requests.forEach((r, b) => {
    const h = r.history;
    const n = Math.min(H, h.length);
    for (let j = 0; j < n; j++) historyIds[b * H + j] = h[h.length - 1 - j] as number;
    historyLen[b] = n;
    const c = r.candidates;
    candidateCount[b] = c.length;
    candidateIds.set(c, b * N);
    let mean = 0;
    for (let k = 0; k < c.length; k++) mean += r.initialScores[k] as number;
    mean /= Math.max(1, c.length);
    let variance = 0;
    for (let k = 0; k < c.length; k++) variance += ((r.initialScores[k] as number) - mean) ** 2;
    const std = Math.sqrt(variance / Math.max(1, c.length)) || 1;
    for (let k = 0; k < c.length; k++) scores[b * N + k] = ((r.initialScores[k] as number) - mean) / std;
  });
  return {
    batch,
    historySlots: H,
    candidateSlots: N,
    historyIds,
    historyLength: historyLen,
    candidateIds,
    candidateCount,
    scores,
  };
}

/** Rows `rows` of a batch's inputs (e.g. to repeat each request G times). */
export function selectInputs(x: EncoderInputs, rows: ArrayLike<number>): EncoderInputs {
  const H = x.historySlots;
  const N = x.candidateSlots;
  const out: EncoderInputs = {
    batch: rows.length,
    historySlots: H,
    candidateSlots: N,
    historyIds: new Int32Array(rows.length * H),
    historyLength: new Int32Array(rows.length),
    candidateIds: new Int32Array(rows.length * N),
    candidateCount: new Int32Array(rows.length),
    scores: new Float32Array(rows.length * N),
  };
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as number;
    out.historyIds.set(x.historyIds.subarray(r * H, (r + 1) * H), i * H);
    out.historyLength[i] = x.historyLength[r] as number;
    out.candidateIds.set(x.candidateIds.subarray(r * N, (r + 1) * N), i * N);
    out.candidateCount[i] = x.candidateCount[r] as number;
    out.scores.set(x.scores.subarray(r * N, (r + 1) * N), i * N);
  }
  return out;
}

export interface RequestEncoderOptions extends BlockOptions {
  layers: number;
  historyLength: number;
  /** Add the standardised retriever score of each candidate as a feature. */
  useInitialScores: boolean;
  /**
   * Give candidates an embedding of their index in the input list (the local-index ablation
   * needs it: its output neuron k means "candidate #k"). Breaks permutation invariance.
   */
  candidatePositions: number;
}

export interface Encoded {
  /** [batch, H + N, dim]: history slots first, then candidate k at H + k. */
  memory: tf.Tensor3D;
  /** Additive key mask [batch, 1, H + N] hiding padding. */
  mask: tf.Tensor3D;
}

export class RequestEncoder {
  readonly items: ItemEmbedder;
  readonly recency: Embedding;
  readonly segment: Embedding;
  readonly score: Dense | null;
  readonly position: Embedding | null;
  readonly blocks: EncoderBlock[];
  readonly norm: LayerNorm;

  constructor(
    store: ParamStore,
    name: string,
    codes: ItemCodes,
    readonly o: RequestEncoderOptions,
    itemFeatures?: { values: Float32Array; width: number },
  ) {
    this.items = new ItemEmbedder(store, `${name}/item`, codes, o.dim, itemFeatures);
    this.recency = new Embedding(store, `${name}/recency`, Math.max(1, o.historyLength), o.dim);
    this.segment = new Embedding(store, `${name}/segment`, 2, o.dim);
    this.score = o.useInitialScores ? new Dense(store, `${name}/score`, 1, o.dim) : null;
    this.position =
      o.candidatePositions > 0 ? new Embedding(store, `${name}/position`, o.candidatePositions, o.dim) : null;
    this.blocks = Array.from({ length: o.layers }, (_, i) => new EncoderBlock(store, `${name}/block${i}`, o));
    this.norm = new LayerNorm(store, `${name}/norm`, o.dim);
  }

  /** Embedded tokens of the history and candidates, before the transformer blocks. */
  tokens(x: EncoderInputs): tf.Tensor3D {
    const { batch: B, historySlots: H, candidateSlots: N } = x;
    const seg = this.segment.apply(tf.tensor1d([0, 1], 'int32'));
    const [segHistory, segCandidate] = tf.split(seg, 2, 0) as [tf.Tensor2D, tf.Tensor2D];
    const hist = tf.add(
      tf.add(this.items.apply(tf.tensor2d(x.historyIds, [B, H], 'int32')), segHistory),
      this.recency.apply(tf.range(0, H, 1, 'int32')),
    );
    let cand = tf.add(this.items.apply(tf.tensor2d(x.candidateIds, [B, N], 'int32')), segCandidate);
    if (this.score !== null) cand = tf.add(cand, this.score.apply(tf.tensor3d(x.scores, [B, N, 1])));
    if (this.position !== null) {
      if (N > this.o.candidatePositions) {
        throw new RangeError(
          `${N} candidates, but the model was built for at most ${this.o.candidatePositions}`,
        );
      }
      cand = tf.add(cand, this.position.apply(tf.range(0, N, 1, 'int32')));
    }
    return tf.concat([hist, cand], 1) as tf.Tensor3D;
  }

  /** Key mask of the encoder sequence: padding history slots and padding candidates hidden. */
  mask(x: EncoderInputs): tf.Tensor3D {
    const { batch: B, historySlots: H, candidateSlots: N } = x;
    const S = H + N;
    const m = new Float32Array(B * S);
    for (let b = 0; b < B; b++) {
      for (let j = x.historyLength[b] as number; j < H; j++) m[b * S + j] = MASK_VALUE;
      for (let k = x.candidateCount[b] as number; k < N; k++) m[b * S + H + k] = MASK_VALUE;
    }
    return tf.tensor3d(m, [B, 1, S]);
  }

  apply(x: EncoderInputs): Encoded {
    const mask = this.mask(x);
    let h: tf.Tensor = this.tokens(x);
    for (const block of this.blocks) h = block.apply(h, mask);
    return { memory: this.norm.apply(h) as tf.Tensor3D, mask };
  }

  dispose(): void {
    this.items.dispose();
  }
}
