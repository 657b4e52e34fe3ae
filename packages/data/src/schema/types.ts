// In-memory shapes of a converted dataset: what readers return and writers take. The Arrow
// column names and types of each file are defined beside this, once, in arrow-schemas.ts.
import type { LeakAudit } from '../audit/leak-audit.js';

export type Split = 'train' | 'valid' | 'test';

/** Parameters of the request protocol (ARCHITECTURE.md "Request protocol"); saved in manifest.json. */
export interface ProtocolParams {
  /** Users and items with fewer interactions are dropped, repeatedly (k-core). */
  kCore: number;
  /** Longest history a request carries (most recent interactions). */
  historyLength: number;
  /** Exposed slate length L: consecutive interactions that form one request. */
  slateSize: number;
  /** Candidate list length N: the L exposed items plus N - L retrieved ones. */
  candidates: number;
  /** Label 1 when rating >= this threshold (implicit data: every interaction counts). */
  ratingThreshold: number;
  /** Items first seen at or after this quantile of interaction time are cold (held out of training). */
  coldStartQuantile: number;
  /**
   * How cold items are chosen: 'time' (first seen at/after the `coldStartQuantile` time cut),
   * or, for sources without a clock, a `coldStartShare` of the items: the last to appear in the
   * file ('first-appearance') or a seeded random set ('random'). Default 'time' for timed
   * sources, 'random' otherwise.
   */
  coldStartBy?: 'time' | 'first-appearance' | 'random';
  /** Share of items held out of training when `coldStartBy` is not 'time' (default 0.05). */
  coldStartShare?: number;
  /**
   * Stage-1 retriever that ORDERS the candidate list (its scores are `initial_scores`):
   * 'cooccurrence' (item co-occurrence with the history, leave-one-user-out), 'bpr' (BPR-MF,
   * cross-fitted over window folds), 'popularity'; 'synthetic': the synthetic benchmark's noisy
   * logged ranker, see generateSynthetic. With candidatesMode 'top-retriever' it also PICKS
   * the non-exposed candidates (bpr or popularity only).
   */
  retriever: 'cooccurrence' | 'bpr' | 'popularity' | 'synthetic';
  /**
   * How the N - L non-exposed candidates are chosen. 'sampled' (default): drawn without
   * replacement in proportion to item traffic, then the whole list is ordered by the retriever,
   * which scores positives and negatives alike. 'top-retriever': the retriever's top N - L
   * items, the construction of earlier versions and of published tables; it leaks the labels
   * (positives sit at the bottom of the order), kept only for comparison.
   */
  candidatesMode?: 'sampled' | 'top-retriever';
  /**
   * Training windows end every `trainStride` interactions before the valid window (default:
   * the slate size, i.e. disjoint windows, for MovieLens; 1 for sparse sources).
   */
  trainStride?: number;
  /** Popularity damping exponent of the co-occurrence retriever (default 0.5). */
  cooccurrenceDamping?: number;
  seed: number;
  /** Fewest past interactions a request needs (default 1). */
  minHistory?: number;
  /** BPR latent dimension and training epochs (when retriever is 'bpr'). */
  bprDim?: number;
  bprEpochs?: number;
}

export interface SourceFile {
  path: string;
  sha256: string;
  bytes: number;
}

export interface DatasetManifest {
  name: string;
  /** Reader that produced it: 'ml-100k', 'ml-1m', 'movielens-csv', 'amazon-2014', ..., 'synthetic'. */
  sourceFormat: string;
  sourceFiles: SourceFile[];
  protocol: ProtocolParams;
  rows: { items: number; users: number; interactions: number; requests: number };
  /** Per split request counts, and how many test requests are cold-start. */
  requestsBySplit: Record<Split, number>;
  coldStartItems: number;
  toolVersion: string;
  createdAt: string;
  /** sha256 over the Arrow files, so downstream stages can tell a changed dataset. */
  contentHash: string;
  /** Generator settings of a synthetic dataset (absent for converted ones). */
  synthetic?: Record<string, number>;
  /** What conversion dropped or skipped, for the record (absent for synthetic data). */
  conversion?: ConversionStats;
  /** Test requests with a cold positive: the size of the cold-start table (converted data). */
  coldStartTestRequests?: number;
  /** Precision of rankers that learn nothing, per split (converted data; `data inspect` recomputes it). */
  leakAudit?: LeakAudit;
}

/**
 * Counts of what a conversion read, skipped and filtered out (linesRead, skippedLines,
 * interactionsBeforeKCore, ...), recorded so a reader can audit the conversion.
 */
export type ConversionStats = Record<string, number>;

export interface ItemTable {
  count: number;
  rawId: string[];
  title: (string | null)[];
  /** Genres / categories (empty when unknown). */
  categories: string[][];
  year: (number | null)[];
  /** Training interactions per item (0 for cold items). */
  popularity: Int32Array;
  /**
   * True for items without a training interaction: held out (time cut or share) or met only
   * in valid/test windows. The tokenizer's "cold" is the same set.
   */
  cold: Uint8Array;
}

export interface UserTable {
  count: number;
  rawId: string[];
  /** Free-form attributes (gender, age, occupation ...), null when unknown. */
  attributes: Record<string, (string | number | null)[]>;
}

export interface InteractionTable {
  count: number;
  /** Sorted by user, then time. */
  user: Int32Array;
  item: Int32Array;
  rating: Float32Array;
  /** Unix seconds. */
  ts: Float64Array;
}

/** One reranking request: a user's past and a candidate list to order. */
export interface RerankRequest {
  id: number;
  user: number;
  split: Split;
  /** At least one positive candidate is a cold item. */
  coldStart: boolean;
  ts: number;
  /** Past items, oldest first, at most historyLength. */
  history: Int32Array;
  /** Dense item ids, N of them, distinct, none in history. */
  candidates: Int32Array;
  /** Aligned with candidates. */
  labels: Float32Array;
  /** Stage-1 retriever scores aligned with candidates (the "initial order"). */
  initialScores: Float32Array;
  /**
   * The logged slate: indices into `candidates` of the L exposed items, in the order they were
   * shown (position 0 first). Candidates are in initial-score order, so the logged slate is in
   * general NOT the top L of `candidates`; labels are > 0 only at these indices.
   */
  exposed: Int32Array;
}

export interface LoadedDataset {
  dir: string;
  manifest: DatasetManifest;
  items: ItemTable;
  users: UserTable;
  interactions: InteractionTable;
  requests: RerankRequest[];
}
