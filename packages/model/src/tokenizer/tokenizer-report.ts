// The tokenizer's report: how well the codes use their vocabulary (used codes, perplexity),
// how much of the embedding each level explains (quantisation error), how often items
// collided before the disambiguation token, and how cold items were coded. Written as
// tokenizer-report.json beside the codes.

export interface LevelReport {
  level: number;
  codebookSize: number;
  /** Codes used by at least one item (all items). */
  usedCodes: number;
  utilisation: number;
  /** exp(entropy) of the code distribution over all items: the effective number of codes. */
  perplexity: number;
  /** Mean squared residual norm per warm item after this level. */
  quantisationError: number;
  /** quantisationError / mean squared norm of the centred vectors (1 = nothing explained). */
  relativeError: number;
  /** Same, over cold items coded through the cold-start map (null when there are none). */
  coldQuantisationError: number | null;
  iterations: number;
  converged: boolean;
  emptyClustersRepaired: number;
}

export interface TokenizerReport {
  version: 1;
  dataset: { name: string; contentHash: string };
  seed: number;
  sources: string[];
  dims: { content: number; collaborative: number; fused: number };
  balanced: boolean;
  distanceKernel: string;
  items: {
    total: number;
    /** Items the codebooks were trained on (with training interactions when collaborative is used). */
    warm: number;
    cold: number;
    /** Cold items coded from their content (ridge map or content pipeline). */
    coldCoded: number;
    /** Cold items without any content feature, placed at a seeded random warm item's vector. */
    coldWithoutContent: number;
    withoutContent: number;
  };
  trainingInteractions: number;
  /** Items whose reconstructed training count differs from items.popularity. */
  popularityMismatches: number;
  /** Share of the fused variance kept by the final PCA. */
  fusedVarianceKept: number;
  levels: LevelReport[];
  collisions: {
    /** Share of items whose quantised codes equal another item's, before disambiguation. */
    collisionRate: number;
    collidingItems: number;
    distinctCodes: number;
    largestGroup: number;
    disambiguationLevel: boolean;
  };
  /** Final IDs (with the extra level) are distinct for every item. */
  uniqueIds: boolean;
  final: { levels: number; codebookSizes: number[] };
  coldStart: {
    method: 'ridge-map' | 'content-pipeline' | 'none';
    /** Ridge penalty picked (relative to warm items), and its validation R^2. */
    lambda: number | null;
    validationR2: number | null;
  };
  timingsMs: Record<string, number>;
  warnings: string[];
}

/** Used codes and perplexity of column `level` of `codes` ([items, levels]). */
export function codeUsage(
  codes: ArrayLike<number>,
  items: number,
  levels: number,
  level: number,
  codebookSize: number,
): { usedCodes: number; perplexity: number } {
  const counts = new Float64Array(codebookSize);
  for (let i = 0; i < items; i++) {
    const c = codes[i * levels + level] as number;
    counts[c] = (counts[c] as number) + 1;
  }
  let used = 0;
  let entropy = 0;
  for (let c = 0; c < codebookSize; c++) {
    const n = counts[c] as number;
    if (n === 0) continue;
    used++;
    const p = n / items;
    entropy -= p * Math.log(p);
  }
  return { usedCodes: used, perplexity: items > 0 ? Math.exp(entropy) : 0 };
}
