// The dataset-level tokenizer: item vectors from content and/or collaborative sources,
// fused and reduced by PCA, residual k-means codes trained on warm items, cold items placed
// through the content -> fused ridge map, a disambiguation level for unique IDs, and the
// report. `tokenizeDatasetDir` reads a converted dataset and writes the outputs beside it.
import { Rng, readDataset, UserError } from '@glorank/data';
import { activeDistanceKernel } from './blocked-distance.js';
import { writeTokenizerOutputs } from './codes-io.js';
import { applyRidgeMap, fitRidgeMap, type RidgeMap } from './cold-start-map.js';
import {
  collaborativeVectors,
  type TokenizerInput,
  type TrainingInteractions,
  trainingInteractions,
} from './collaborative-vectors.js';
import { type ContentFeatureOptions, contentFeatures } from './content-features.js';
import { applyFusion, fitFusion, type SourceBlock } from './fusion.js';
import { type Matrix, selectRows } from './matrix.js';
import { denseOperator, fitPca, fitPcaOperator, pcaTransform, sparseOperator } from './randomized-svd.js';
import { encodeResidual, type ResidualQuantiser, trainResidualQuantiser } from './residual-quantiser.js';
import { assignSemanticIds, type DisambiguationMode } from './semantic-ids.js';
import { csrSelectRows } from './sparse-matrix.js';
import { codeUsage, type LevelReport, type TokenizerReport } from './tokenizer-report.js';

export const TOKENIZER_SOURCES = ['collaborative', 'content'] as const;
export type TokenizerSource = (typeof TOKENIZER_SOURCES)[number];

export interface TokenizeOptions {
  /** Residual levels (default 3). */
  levels?: number;
  /** Codes per level (default 256; shrunk with a warning for few items). */
  codebookSize?: number;
  seed?: number;
  /** Vector sources (default both). */
  sources?: readonly TokenizerSource[];
  /** Dimensions of the fused vectors that are quantised (default 32). */
  dims?: number;
  /** PCA dimensions of the content features (default 64). */
  contentDims?: number;
  /** SVD dimensions of the collaborative vectors (default 64). */
  collaborativeDims?: number;
  /** Share of the fused variance per source (default 1 each). */
  sourceWeights?: Partial<Record<TokenizerSource, number>>;
  content?: ContentFeatureOptions;
  /** Capacity-balanced k-means (every code at most ceil(n / k) warm items per level). */
  balanced?: boolean;
  /** 'auto' adds the extra level only when items collide (default); 'always' always does. */
  disambiguation?: DisambiguationMode;
  maxIterations?: number;
  tolerance?: number;
  onProgress?: (stage: string, done: number, total: number) => void;
  onWarning?: (message: string) => void;
}

export interface TokenizeResult {
  /** [items, levels] row-major: every item's semantic ID, unique per item. */
  codes: Int16Array;
  levels: number;
  codebookSizes: number[];
  quantiser: ResidualQuantiser;
  /** Per quantised level, items per code (all items). */
  itemsPerCode: Int32Array[];
  /** Fused, reduced vectors that were quantised: [items, dims]. */
  vectors: Matrix;
  /** 1 for items the codebooks were trained on. */
  warm: Uint8Array;
  report: TokenizerReport;
}

function checkOptions(o: TokenizeOptions): Required<
  Pick<TokenizeOptions, 'levels' | 'codebookSize' | 'seed' | 'dims'>
> & {
  sources: TokenizerSource[];
} {
  const levels = o.levels ?? 3;
  const codebookSize = o.codebookSize ?? 256;
  const seed = o.seed ?? 0;
  const dims = o.dims ?? 32;
  const int = (v: number, lo: number, hi: number, field: string) => {
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new UserError(`expected an integer in [${lo}, ${hi}], got ${v}`, { field });
    }
  };
  int(levels, 1, 16, 'levels');
  int(codebookSize, 2, 32767, 'codebook');
  int(dims, 1, 1024, 'dims');
  int(o.contentDims ?? 64, 1, 1024, 'content-dims');
  int(o.collaborativeDims ?? 64, 1, 1024, 'collaborative-dims');
  const sources = Array.from(new Set(o.sources ?? TOKENIZER_SOURCES));
  if (sources.length === 0)
    throw new UserError('choose at least one of collaborative, content', { field: 'sources' });
  for (const s of sources) {
    if (!(TOKENIZER_SOURCES as readonly string[]).includes(s)) {
      throw new UserError(`unknown source '${s}', expected collaborative or content`, { field: 'sources' });
    }
  }
  return { levels, codebookSize, seed, dims, sources: sources.sort() };
}

function rowsWhere(mask: Uint8Array, value: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] === value) out.push(i);
  return Int32Array.from(out);
}

/** What every stage shares: the checked options, the seeded stream, warnings and progress. */
interface StageContext {
  options: TokenizeOptions;
  opts: ReturnType<typeof checkOptions>;
  rng: Rng;
  warn: (message: string) => void;
  progress: (stage: string, done: number, total: number) => void;
}

/** The items the codebooks learn from (warm) and the rest (cold). */
interface WarmSplit {
  train: TrainingInteractions;
  warm: Uint8Array;
  warmRows: Int32Array;
  coldRows: Int32Array;
}

/** Warm items: not held out as cold and, when collaborative vectors are used, with training interactions. */
function splitWarm(ctx: StageContext, dataset: TokenizerInput, useCollab: boolean): WarmSplit {
  const { items } = dataset;
  const n = items.count;
  const train = trainingInteractions(dataset);
  if (train.popularityMismatches > 0) {
    ctx.warn(
      `training interactions reconstructed from the requests disagree with items.popularity on ` +
        `${train.popularityMismatches} items`,
    );
  }
  const warm = new Uint8Array(n);
  for (let i = 0; i < n; i++)
    warm[i] = !items.cold[i] && (!useCollab || (train.perItem[i] as number) > 0) ? 1 : 0;
  let warmRows = rowsWhere(warm, 1);
  if (warmRows.length < 2) {
    if (useCollab) {
      throw new UserError(
        `only ${warmRows.length} item(s) have training interactions; use --sources content for this dataset`,
        { field: 'sources' },
      );
    }
    warm.fill(1);
    warmRows = rowsWhere(warm, 1);
    ctx.warn('no items outside the cold-start holdout: codebooks trained on all items');
  }
  return { train, warm, warmRows, coldRows: rowsWhere(warm, 0) };
}

/** Content vectors for every item (cold items need them even when content is not a source), PCA fitted on warm items. */
function contentStage(
  ctx: StageContext,
  dataset: TokenizerInput,
  split: WarmSplit,
  useContent: boolean,
): { content: ReturnType<typeof contentFeatures>; vectors: Matrix | null } {
  const { warmRows, coldRows } = split;
  const content = contentFeatures(dataset.items, ctx.options.content ?? {});
  let vectors: Matrix | null = null;
  if (content.matrix.cols > 0 && content.matrix.indices.length > 0) {
    const warmContent = sparseOperator(csrSelectRows(content.matrix, warmRows));
    const dims = Math.min(ctx.options.contentDims ?? 64, content.matrix.cols, warmRows.length - 1);
    const pca = fitPcaOperator(warmContent, Math.max(1, dims), { rng: ctx.rng.fork('content-pca') });
    vectors = pcaTransform(pca, sparseOperator(content.matrix));
  }
  if (content.emptyItems > 0) ctx.warn(`${content.emptyItems} items have no title, categories or year`);
  if (vectors === null && (useContent || coldRows.length > 0)) {
    ctx.warn('no content features in this dataset: cold items cannot be told apart');
  }
  return { content, vectors };
}

/** The vector sources to fuse: collaborative (SVD of training interactions) and/or content. */
function sourceBlocks(
  ctx: StageContext,
  dataset: TokenizerInput,
  split: WarmSplit,
  contentVectors: Matrix | null,
  use: { collaborative: boolean; content: boolean },
): SourceBlock[] {
  const { train, warmRows } = split;
  const blocks: SourceBlock[] = [];
  if (use.collaborative) {
    const user = new Int32Array(train.rows.length);
    const item = new Int32Array(train.rows.length);
    train.rows.forEach((r, k) => {
      user[k] = dataset.interactions.user[r] as number;
      item[k] = dataset.interactions.item[r] as number;
    });
    const cf = collaborativeVectors(dataset.users.count, dataset.items.count, user, item, {
      dims: Math.min(ctx.options.collaborativeDims ?? 64, warmRows.length - 1),
      rng: ctx.rng.fork('collaborative'),
    });
    blocks.push({
      name: 'collaborative',
      vectors: cf.vectors,
      weight: ctx.options.sourceWeights?.collaborative ?? 1,
    });
  }
  if (use.content && contentVectors !== null) {
    blocks.push({
      name: 'content',
      vectors: contentVectors,
      weight: ctx.options.sourceWeights?.content ?? 1,
    });
  }
  if (blocks.length === 0)
    throw new UserError('the chosen sources give no item vectors', { field: 'sources' });
  return blocks;
}

/** Fuse, standardise, reduce: fitted on warm items only. */
function fuseAndReduce(
  ctx: StageContext,
  blocks: SourceBlock[],
  warmRows: Int32Array,
): { vectors: Matrix; varianceKept: number; totalVariance: number } {
  const fusion = fitFusion(blocks, warmRows);
  const fused = applyFusion(blocks, fusion);
  const fusedDims = Math.max(1, Math.min(ctx.opts.dims, fused.cols, warmRows.length - 1));
  const fusedPca = fitPca(selectRows(fused, warmRows), fusedDims, { rng: ctx.rng.fork('fused-pca') });
  const vectors = pcaTransform(fusedPca, denseOperator(fused));
  let varianceKept = 0;
  for (const v of fusedPca.explainedVariance) varianceKept += v;
  return { vectors, varianceKept, totalVariance: fusedPca.totalVariance };
}

interface ColdPlacement {
  method: TokenizerReport['coldStart']['method'];
  ridge: RidgeMap | null;
  withoutContent: number;
}

/**
 * Cold items' fused vectors (edits `vectors`): content-only pipelines already placed them;
 * otherwise a ridge map content -> fused, fitted on warm items.
 */
function placeColdItems(
  ctx: StageContext,
  split: WarmSplit,
  content: { content: ReturnType<typeof contentFeatures>; vectors: Matrix | null },
  vectors: Matrix,
  useCollab: boolean,
): ColdPlacement {
  const { warmRows, coldRows } = split;
  const contentVectors = content.vectors;
  const placed: ColdPlacement = { method: 'none', ridge: null, withoutContent: 0 };
  if (!useCollab && contentVectors !== null) placed.method = 'content-pipeline';
  else if (contentVectors !== null) {
    placed.ridge = fitRidgeMap(contentVectors, vectors, warmRows, { rng: ctx.rng.fork('ridge') });
    applyRidgeMap(placed.ridge, contentVectors, coldRows, vectors);
    placed.method = 'ridge-map';
  }
  // Cold items with no content at all (no metadata file, or an empty row) have nothing to map
  // from. Placing them all at one point gave every one the same codes but the disambiguation
  // token, one collision group the decoder cannot tell apart; instead each takes the vector of
  // a seeded random warm item (prior: a new item is like a random known one), so their codes
  // are distinct and spread like the warm catalogue's.
  const pickWarm = ctx.rng.fork('cold-without-content');
  const cols = vectors.cols;
  const indptr = content.content.matrix.indptr;
  for (const r of coldRows) {
    const hasContent = contentVectors !== null && (indptr[r + 1] as number) > (indptr[r] as number);
    if (hasContent) continue;
    const w = warmRows[pickWarm.int(warmRows.length)] as number;
    vectors.data.copyWithin(r * cols, w * cols, (w + 1) * cols);
    placed.withoutContent++;
  }
  if (placed.withoutContent > 0) {
    ctx.warn(
      `${placed.withoutContent} cold items have no content features: each got the vector of a random warm item (pass item metadata, e.g. --meta, to code them from content)`,
    );
  }
  return placed;
}

/** Residual k-means trained on warm items. */
function trainQuantiser(ctx: StageContext, vectors: Matrix, warmRows: Int32Array): ResidualQuantiser {
  const { options, opts } = ctx;
  return trainResidualQuantiser(selectRows(vectors, warmRows), {
    levels: opts.levels,
    codebookSize: opts.codebookSize,
    rng: ctx.rng.fork('rq'),
    ...(options.balanced !== undefined ? { balanced: options.balanced } : {}),
    ...(options.maxIterations !== undefined ? { maxIterations: options.maxIterations } : {}),
    ...(options.tolerance !== undefined ? { tolerance: options.tolerance } : {}),
    onWarning: ctx.warn,
    onLevel: (l) => ctx.progress('quantise', l + 1, opts.levels),
  });
}

/** Every item's residual codes ([items, levels]) and the warm/cold residual errors per level. */
function encodeItems(
  quantiser: ResidualQuantiser,
  vectors: Matrix,
  split: WarmSplit,
  n: number,
  L: number,
): {
  codes: Int32Array;
  warmEnc: ReturnType<typeof encodeResidual>;
  coldEnc: ReturnType<typeof encodeResidual> | null;
} {
  const { warmRows, coldRows } = split;
  const warmEnc = encodeResidual(quantiser, selectRows(vectors, warmRows));
  const coldEnc = coldRows.length > 0 ? encodeResidual(quantiser, selectRows(vectors, coldRows)) : null;
  const codes = new Int32Array(n * L);
  warmRows.forEach((r, k) => {
    codes.set(warmEnc.codes.subarray(k * L, (k + 1) * L), r * L);
  });
  if (coldEnc) {
    coldRows.forEach((r, k) => {
      codes.set(coldEnc.codes.subarray(k * L, (k + 1) * L), r * L);
    });
  }
  return { codes, warmEnc, coldEnc };
}

/** Per quantised level: items per code (all items) and the level's report. */
function levelStats(
  quantiser: ResidualQuantiser,
  encoded: ReturnType<typeof encodeItems>,
  split: WarmSplit,
  n: number,
  L: number,
  meanSq: number,
): { itemsPerCode: Int32Array[]; levels: LevelReport[] } {
  const { codes, warmEnc, coldEnc } = encoded;
  const itemsPerCode: Int32Array[] = [];
  const levels = quantiser.levels.map((lvl, l): LevelReport => {
    const counts = new Int32Array(lvl.codebookSize);
    for (let i = 0; i < n; i++) {
      const c = codes[i * L + l] as number;
      counts[c] = (counts[c] as number) + 1;
    }
    itemsPerCode.push(counts);
    const usage = codeUsage(codes, n, L, l, lvl.codebookSize);
    const err = (warmEnc.residualSq[l] as number) / split.warmRows.length;
    return {
      level: l,
      codebookSize: lvl.codebookSize,
      usedCodes: usage.usedCodes,
      utilisation: usage.usedCodes / lvl.codebookSize,
      perplexity: usage.perplexity,
      quantisationError: err,
      relativeError: meanSq > 0 ? err / meanSq : 0,
      coldQuantisationError: coldEnc ? (coldEnc.residualSq[l] as number) / split.coldRows.length : null,
      iterations: lvl.iterations,
      converged: lvl.converged,
      emptyClustersRepaired: lvl.emptyClustersRepaired,
    };
  });
  return { itemsPerCode, levels };
}

/** Tokenize a loaded dataset: see the module header. Deterministic for a seed and kernel. */
export function tokenizeDataset(dataset: TokenizerInput, options: TokenizeOptions = {}): TokenizeResult {
  const opts = checkOptions(options);
  const warnings: string[] = [];
  const progress = options.onProgress ?? (() => undefined);
  const ctx: StageContext = {
    options,
    opts,
    rng: new Rng(opts.seed),
    warn: (m) => {
      warnings.push(m);
      options.onWarning?.(m);
    },
    progress,
  };
  const timings: Record<string, number> = {};
  let clock = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - clock);
    clock = now;
    if (name !== 'quantise') progress(name, 1, 1);
  };
  const n = dataset.items.count;
  if (n < 2)
    throw new UserError(`the dataset has ${n} item(s); tokenizing needs at least 2`, { field: 'items' });
  const use = {
    collaborative: opts.sources.includes('collaborative'),
    content: opts.sources.includes('content'),
  };

  progress('interactions', 0, 1);
  const split = splitWarm(ctx, dataset, use.collaborative);
  lap('interactions');
  progress('content', 0, 1);
  const content = contentStage(ctx, dataset, split, use.content);
  lap('content');
  progress('collaborative', 0, 1);
  const blocks = sourceBlocks(ctx, dataset, split, content.vectors, use);
  lap('collaborative');
  progress('fusion', 0, 1);
  const { vectors, varianceKept, totalVariance } = fuseAndReduce(ctx, blocks, split.warmRows);
  lap('fusion');
  let cold: ColdPlacement = { method: 'none', ridge: null, withoutContent: 0 };
  if (split.coldRows.length > 0) {
    progress('cold-start', 0, 1);
    cold = placeColdItems(ctx, split, content, vectors, use.collaborative);
    lap('cold-start');
  }
  const quantiser = trainQuantiser(ctx, vectors, split.warmRows);
  lap('quantise');
  progress('encode', 0, 1);
  const L = opts.levels;
  const encoded = encodeItems(quantiser, vectors, split, n, L);
  const sizes = quantiser.levels.map((l) => l.codebookSize);
  const ids = assignSemanticIds(encoded.codes, n, L, sizes, options.disambiguation ?? 'auto');
  lap('encode');

  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add(ids.codes.subarray(i * ids.levels, (i + 1) * ids.levels).join(','));
  const { itemsPerCode, levels } = levelStats(quantiser, encoded, split, n, L, varianceKept);
  const report: TokenizerReport = {
    version: 1,
    dataset: { name: dataset.manifest.name, contentHash: dataset.manifest.contentHash },
    seed: opts.seed,
    sources: opts.sources,
    dims: {
      content: content.vectors?.cols ?? 0,
      collaborative: use.collaborative ? (blocks[0]?.vectors.cols ?? 0) : 0,
      fused: vectors.cols,
    },
    balanced: options.balanced ?? false,
    distanceKernel: activeDistanceKernel(),
    items: {
      total: n,
      warm: split.warmRows.length,
      cold: split.coldRows.length,
      coldCoded: split.coldRows.length - cold.withoutContent,
      coldWithoutContent: cold.withoutContent,
      withoutContent: content.content.emptyItems,
    },
    trainingInteractions: split.train.rows.length,
    popularityMismatches: split.train.popularityMismatches,
    fusedVarianceKept: totalVariance > 0 ? varianceKept / totalVariance : 1,
    levels,
    collisions: {
      collisionRate: ids.collisionRate,
      collidingItems: ids.collidingItems,
      distinctCodes: ids.distinctCodes,
      largestGroup: ids.largestCollisionGroup,
      disambiguationLevel: ids.disambiguationLevel,
    },
    uniqueIds: seen.size === n,
    final: { levels: ids.levels, codebookSizes: ids.codebookSizes },
    coldStart: {
      method: cold.method,
      lambda: cold.ridge?.lambda ?? null,
      validationR2: cold.ridge?.validationR2 ?? null,
    },
    timingsMs: timings,
    warnings,
  };
  return {
    codes: ids.codes,
    levels: ids.levels,
    codebookSizes: ids.codebookSizes,
    quantiser,
    itemsPerCode,
    vectors,
    warm: split.warm,
    report,
  };
}

/** Read the dataset in `dir`, tokenize it, and write codes.arrow, codebooks.arrow and the report there. */
export async function tokenizeDatasetDir(
  dir: string,
  options: TokenizeOptions = {},
): Promise<TokenizeResult> {
  options.onProgress?.('read', 0, 1);
  const dataset = await readDataset(dir);
  const result = tokenizeDataset(dataset, options);
  options.onProgress?.('write', 0, 1);
  await writeTokenizerOutputs(dir, result);
  options.onProgress?.('write', 1, 1);
  return result;
}
