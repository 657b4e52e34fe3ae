// Item embedding from semantic IDs: the sum of one learned vector per (level, code), so
// items that share code prefixes share parameters and a cold item with a content-derived
// ID starts from a meaningful vector. The per-level tables live in one matrix with level
// offsets, so a lookup is a single gather. Optional dense item features add a projection.

import type { ItemCodes } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import { Dense } from '../nn/layers.js';
import type { ParamStore } from '../nn/params.js';
import { installWasmRowGather } from '../nn/wasm-gather.js';

export class ItemEmbedder {
  /** [sum of vocab, dim]: rows offsets[l] .. offsets[l] + vocab[l] belong to level l. */
  readonly table: tf.Variable;
  readonly offsets: number[];
  private readonly codeRows: tf.Tensor2D; // [items, levels] int32, offsets applied
  private readonly features: { values: tf.Tensor2D; proj: Dense } | null;

  constructor(
    store: ParamStore,
    name: string,
    readonly codes: ItemCodes,
    readonly dim: number,
    itemFeatures?: { values: Float32Array; width: number },
  ) {
    this.offsets = [];
    let total = 0;
    for (const v of codes.vocab) {
      this.offsets.push(total);
      total += v;
    }
    installWasmRowGather();
    this.table = store.create(`${name}/codes`, [total, dim], { kind: 'normal', std: 1 / Math.sqrt(dim) });
    const rows = new Int32Array(codes.codes.length);
    for (let i = 0; i < rows.length; i++)
      rows[i] = (codes.codes[i] as number) + (this.offsets[i % codes.levels] as number);
    this.codeRows = tf.tensor2d(rows, [codes.items, codes.levels], 'int32');
    this.features =
      itemFeatures !== undefined
        ? {
            values: tf.tensor2d(itemFeatures.values, [codes.items, itemFeatures.width]),
            proj: new Dense(store, `${name}/features`, itemFeatures.width, dim, { bias: false }),
          }
        : null;
  }

  /** Embeddings of item ids (int32, any shape) -> [...ids.shape, dim]. */
  apply(ids: tf.Tensor): tf.Tensor {
    const flat = tf.reshape(ids, [-1]) as tf.Tensor1D;
    const rows = tf.gather(this.codeRows, flat); // [n, levels]
    const vecs = tf.gather(this.table, tf.reshape(rows, [-1]) as tf.Tensor1D); // [n * levels, dim]
    let emb = tf.sum(tf.reshape(vecs, [flat.shape[0], this.codes.levels, this.dim]), 1);
    if (this.features !== null)
      emb = tf.add(emb, this.features.proj.apply(tf.gather(this.features.values, flat)));
    return tf.reshape(emb, [...ids.shape, this.dim]);
  }

  /** Vectors of the codes of level `level`: [vocab[level], dim] (for tied output layers). */
  levelTable(level: number): tf.Tensor2D {
    return tf.slice(
      this.table as tf.Tensor2D,
      [this.offsets[level] as number, 0],
      [this.codes.vocab[level] as number, this.dim],
    );
  }

  dispose(): void {
    this.codeRows.dispose();
    this.features?.values.dispose();
  }
}
