// GloRank checkpoints: the network's weights, the semantic-ID table it was trained with
// (so a checkpoint alone can rank), the model configuration, and whatever training state
// the trainer adds (optimizer moments, the frozen reference policy, Rng state, counters).
import { itemCodes, Rng, UserError } from '@glorank/data';
import { type Checkpoint, loadCheckpoint, saveCheckpoint } from '../nn/checkpoint.js';
import type { StoredArray } from '../nn/params.js';
import { ParamStore } from '../nn/params.js';
import { DEFAULT_MODEL_CONFIG, GloRankModel, type GloRankModelConfig } from './model.js';

export const GLORANK_CHECKPOINT_KIND = 'glorank-model';

/** Metadata every GloRank checkpoint carries; trainers add their own fields. */
export interface GloRankCheckpointMeta {
  kind: typeof GLORANK_CHECKPOINT_KIND;
  model: GloRankModelConfig;
  levels: number;
  /** Codebook size per level the output layers were built for. */
  vocab: number[];
  [key: string]: unknown;
}

/** Arrays of a model: its parameters under `params/` and the code table under `codes`. */
export function modelArrays(model: GloRankModel): Map<string, StoredArray> {
  const arrays = model.store.exportArrays('params/');
  arrays.set('codes', {
    shape: [model.codes.items, model.codes.levels],
    values: Float32Array.from(model.codes.codes),
  });
  return arrays;
}

/** Save `model` plus extra arrays and metadata to `dir` (atomically). */
export async function saveGloRankCheckpoint(
  dir: string,
  model: GloRankModel,
  extra: { arrays?: ReadonlyMap<string, StoredArray>; meta?: Record<string, unknown> } = {},
): Promise<void> {
  const arrays = modelArrays(model);
  for (const [k, v] of extra.arrays ?? []) arrays.set(k, v);
  const meta: GloRankCheckpointMeta = {
    ...(extra.meta ?? {}),
    kind: GLORANK_CHECKPOINT_KIND,
    model: model.config,
    levels: model.codes.levels,
    vocab: model.codes.vocab,
  };
  await saveCheckpoint(dir, { meta, arrays });
}

export interface LoadedGloRank {
  model: GloRankModel;
  meta: GloRankCheckpointMeta;
  checkpoint: Checkpoint;
}

/** Rebuild the model saved in `dir` (weights loaded) and return the raw checkpoint too. */
export async function loadGloRankCheckpoint(dir: string): Promise<LoadedGloRank> {
  const checkpoint = await loadCheckpoint(dir);
  const meta = checkpoint.meta as GloRankCheckpointMeta;
  if (meta.kind !== GLORANK_CHECKPOINT_KIND) {
    throw new UserError(
      `not a GloRank checkpoint (kind '${String(meta.kind)}', expected '${GLORANK_CHECKPOINT_KIND}')`,
      {
        file: dir,
      },
    );
  }
  const table = checkpoint.arrays.get('codes');
  if (table === undefined) throw new UserError('checkpoint has no semantic-ID table (codes)', { file: dir });
  const codes = itemCodes(Int32Array.from(table.values), table.shape[1], meta.vocab);
  // Initial values are overwritten by the load; the seed only has to be valid.
  const model = new GloRankModel(new ParamStore(new Rng(0)), codes, {
    ...DEFAULT_MODEL_CONFIG,
    ...meta.model,
  });
  model.store.importArrays(checkpoint.arrays, 'params/', dir);
  return { model, meta, checkpoint };
}

/** A frozen copy of `model` (same configuration and codes, weights copied, not trainable). */
export function frozenCopy(model: GloRankModel): GloRankModel {
  const copy = new GloRankModel(new ParamStore(new Rng(0), false), model.codes, model.config);
  copy.store.copyFrom(model.store);
  return copy;
}
