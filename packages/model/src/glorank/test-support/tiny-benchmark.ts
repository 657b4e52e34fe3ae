// Small synthetic problems for GloRank's unit tests: a generated benchmark (real click
// model, requests with history and retriever scores) and semantic IDs built from the
// items' content (primary genre, a title word, a disambiguating counter) or drawn at random.
import {
  generateSynthetic,
  type ItemCodes,
  itemCodes,
  Rng,
  type SyntheticDataset,
  type SyntheticOptions,
} from '@glorank/data';
import { DEFAULT_MODEL_CONFIG, type GloRankModelConfig } from '../model.js';

/** A GloRank model small enough for unit tests, sized for tinyBenchmark's requests. */
export const TINY_MODEL_CONFIG: GloRankModelConfig = {
  ...DEFAULT_MODEL_CONFIG,
  dim: 16,
  hidden: 32,
  slateSize: 4,
  maxCandidates: 20,
  historyLength: 10,
};

export function tinyBenchmark(options: SyntheticOptions = {}): SyntheticDataset {
  return generateSynthetic({
    users: 40,
    items: 160,
    candidates: 20,
    historyLength: 10,
    slateSize: 4,
    requestsPerUser: 4,
    seed: 3,
    ...options,
  });
}

/** Content codes: first genre, a bucket of the title's second word, then a counter that makes IDs unique. */
export function contentCodes(ds: SyntheticDataset, wordBuckets = 32): ItemCodes {
  const genres = new Map<string, number>();
  const words = new Map<string, number>();
  const seen = new Map<string, number>();
  return itemCodes(
    Array.from({ length: ds.items.count }, (_, i) => {
      const g = ds.items.categories[i]?.[0] ?? '';
      if (!genres.has(g)) genres.set(g, genres.size);
      const w = (ds.items.title[i] ?? '').split(' ')[1] ?? '';
      if (!words.has(w)) words.set(w, words.size % wordBuckets);
      const key = `${genres.get(g)}/${words.get(w)}`;
      const d = seen.get(key) ?? 0;
      seen.set(key, d + 1);
      return [genres.get(g) as number, words.get(w) as number, d];
    }),
  );
}

/** Random codes over small codebooks (shared prefixes and some identical IDs). */
export function randomCodes(items: number, levels: number, codebook: number, seed: number): ItemCodes {
  const rng = new Rng(seed);
  return itemCodes(
    Int32Array.from({ length: items * levels }, () => rng.int(codebook)),
    levels,
  );
}
