// Collaborative item vectors from TRAINING interactions only: a truncated SVD of the
// degree-normalised user x item matrix D_u^-1/2 X D_i^-1/2 (X binary). Its right singular
// vectors are the eigenvectors of the normalised item co-occurrence X^T D_u^-1 X, so items
// bought by the same users land together, without ever forming the items x items matrix.
// The leading pair (singular value 1, vector ~ sqrt(item degree)) only encodes popularity
// and is dropped, as in spectral embeddings.
import type { LoadedDataset, Rng } from '@glorank/data';
import type { Matrix } from './matrix.js';
import { randomizedSvd, sparseOperator } from './randomized-svd.js';
import { csrFromTriplets, scaleCsr } from './sparse-matrix.js';

/** The parts of a dataset the tokenizer reads. */
export type TokenizerInput = Pick<
  LoadedDataset,
  'manifest' | 'items' | 'users' | 'interactions' | 'requests'
>;

export interface TrainingInteractions {
  /** Row indices into the dataset's interaction table. */
  rows: Int32Array;
  /** Training interactions per item. */
  perItem: Int32Array;
  /** Items whose count here differs from items.popularity (0 when the reconstruction agrees). */
  popularityMismatches: number;
}

/**
 * The interactions the request protocol trained on: per user, everything before the
 * held-out windows (the last `slateSize` interactions per valid/test request of that user,
 * windows being consecutive from the end), minus cold items. Checked against
 * items.popularity, which the data package counts over the same set.
 */
export function trainingInteractions(dataset: TokenizerInput): TrainingInteractions {
  const { interactions, items, requests, manifest } = dataset;
  const slate = manifest.protocol.slateSize;
  const heldOutWindows = new Int32Array(dataset.users.count);
  for (const r of requests)
    if (r.split !== 'train') heldOutWindows[r.user] = (heldOutWindows[r.user] as number) + 1;
  const rows: number[] = [];
  const perItem = new Int32Array(items.count);
  let k = 0;
  while (k < interactions.count) {
    const u = interactions.user[k] as number;
    let e = k;
    while (e < interactions.count && interactions.user[e] === u) e++;
    const heldOutFrom = Math.max(k, e - slate * (heldOutWindows[u] as number));
    for (let p = k; p < heldOutFrom; p++) {
      const it = interactions.item[p] as number;
      if (items.cold[it]) continue;
      rows.push(p);
      perItem[it] = (perItem[it] as number) + 1;
    }
    k = e;
  }
  let mismatches = 0;
  for (let i = 0; i < items.count; i++) if (perItem[i] !== items.popularity[i]) mismatches++;
  return { rows: Int32Array.from(rows), perItem, popularityMismatches: mismatches };
}

export interface CollaborativeOptions {
  dims: number;
  rng: Rng;
  /** Power iterations of the randomised SVD (default 4). */
  powerIterations?: number;
}

export interface CollaborativeVectors {
  /** [items, dims]; zero rows for items without training interactions. */
  vectors: Matrix;
  /** 1 for items with at least one training interaction. */
  hasData: Uint8Array;
  /** Singular values of the kept components. */
  singularValues: Float64Array;
}

export function collaborativeVectors(
  users: number,
  items: number,
  user: ArrayLike<number>,
  item: ArrayLike<number>,
  options: CollaborativeOptions,
): CollaborativeVectors {
  // Binary matrix: a repeated (user, item) pair counts once.
  const ones = new Float32Array(user.length).fill(1);
  const raw = csrFromTriplets(users, items, user, item, ones);
  raw.values.fill(1);
  const userDeg = new Float64Array(users);
  const itemDeg = new Float64Array(items);
  for (let u = 0; u < users; u++) {
    for (let p = raw.indptr[u] as number; p < (raw.indptr[u + 1] as number); p++) {
      userDeg[u] = (userDeg[u] as number) + 1;
      const i = raw.indices[p] as number;
      itemDeg[i] = (itemDeg[i] as number) + 1;
    }
  }
  const inv = (d: Float64Array) => d.map((v) => (v > 0 ? 1 / Math.sqrt(v) : 0));
  const normalised = scaleCsr(raw, inv(userDeg), inv(itemDeg));
  const svd = randomizedSvd(sparseOperator(normalised), options.dims + 1, {
    rng: options.rng,
    powerIterations: options.powerIterations ?? 4,
  });
  const kept = Math.max(0, svd.s.length - 1);
  const vectors: Matrix = { rows: items, cols: options.dims, data: new Float32Array(items * options.dims) };
  const hasData = new Uint8Array(items);
  for (let i = 0; i < items; i++) {
    if (!((itemDeg[i] as number) > 0)) continue;
    hasData[i] = 1;
    for (let j = 0; j < kept; j++) {
      vectors.data[i * options.dims + j] =
        (svd.v.data[i * svd.s.length + j + 1] as number) * (svd.s[j + 1] as number);
    }
  }
  return { vectors, hasData, singularValues: svd.s.slice(1) };
}
