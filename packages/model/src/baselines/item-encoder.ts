// Item and user representations shared by the tfjs baselines: a learned id embedding plus a
// projection of the item's categories (so cold items, whose id rows never train, still get
// a content signal), and the user as the masked mean of their history items.
import type { ItemTable } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import { Dense, Embedding, type ParamStore } from '../nn/index.js';
import { type RequestBatch, SCORE_FEATURES } from './request-batch.js';

/** Most frequent categories kept as features. */
const MAX_CATEGORIES = 256;

/** Category multi-hot rows [items + 1, C] (the last row is the padding item). */
export function categoryMatrix(items: ItemTable): { matrix: Float32Array; columns: number } {
  const freq = new Map<string, number>();
  for (const cats of items.categories) for (const c of cats) freq.set(c, (freq.get(c) ?? 0) + 1);
  const vocab = [...freq.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_CATEGORIES)
    .map(([c]) => c);
  const col = new Map(vocab.map((c, i) => [c, i]));
  const C = vocab.length;
  const matrix = new Float32Array((items.count + 1) * C);
  items.categories.forEach((cats, i) => {
    const hits = cats.filter((c) => col.has(c));
    for (const c of hits) matrix[i * C + (col.get(c) as number)] = 1 / Math.sqrt(hits.length);
  });
  return { matrix, columns: C };
}

export class ItemEncoder {
  readonly padId: number;
  private readonly ids: Embedding;
  private readonly categories: Dense | null;
  private readonly categoryTable: tf.Tensor2D | null;

  constructor(
    store: ParamStore,
    name: string,
    items: ItemTable,
    readonly dim: number,
  ) {
    this.padId = items.count;
    this.ids = new Embedding(store, `${name}/id`, items.count + 1, dim);
    const { matrix, columns } = categoryMatrix(items);
    if (columns > 0) {
      this.categories = new Dense(store, `${name}/categories`, columns, dim, { bias: false });
      this.categoryTable = tf.tensor2d(matrix, [items.count + 1, columns]);
    } else {
      this.categories = null;
      this.categoryTable = null;
    }
  }

  /** ids (int32, any shape) -> [...ids.shape, dim]. */
  encode(ids: tf.Tensor): tf.Tensor {
    const e = this.ids.apply(ids);
    if (this.categories === null || this.categoryTable === null) return e;
    const flat = tf.reshape(ids, [-1]) as tf.Tensor1D;
    const content = this.categories.apply(tf.gather(this.categoryTable, flat));
    return tf.add(e, tf.reshape(content, e.shape));
  }

  /**
   * The baselines' per-candidate input [B, N, 3 dim + SCORE_FEATURES]: the candidate's
   * vector, the user's (mean history) vector, their product and the retriever-score features.
   */
  candidateFeatures(batch: RequestBatch): tf.Tensor3D {
    const B = batch.size;
    const N = batch.width;
    const e = this.encode(tf.tensor2d(batch.candidates, [B, N], 'int32'));
    const u = this.user(tf.tensor2d(batch.history, [B, batch.historyWidth], 'int32'), batch.historyLength);
    const ub = tf.broadcastTo(tf.expandDims(u, 1), [B, N, this.dim]);
    const f = tf.tensor3d(batch.scoreFeatures, [B, N, SCORE_FEATURES]);
    return tf.concat([e, ub, tf.mul(e, ub), f], 2) as tf.Tensor3D;
  }

  /** history [B, H] int32 with lengths -> [B, dim], the mean of the valid history items. */
  user(history: tf.Tensor2D, lengths: Int32Array): tf.Tensor2D {
    const [B, H] = history.shape;
    const mask = new Float32Array(B * H);
    for (let b = 0; b < B; b++) for (let j = 0; j < (lengths[b] as number); j++) mask[b * H + j] = 1;
    const m = tf.tensor3d(mask, [B, H, 1]);
    const sum = tf.sum(tf.mul(this.encode(history), m), 1);
    const count = tf.maximum(tf.sum(m, 1), 1);
    return tf.div(sum, count) as tf.Tensor2D;
  }

  dispose(): void {
    this.categoryTable?.dispose();
  }
}
