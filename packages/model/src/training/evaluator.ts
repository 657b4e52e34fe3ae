// The list-wise evaluator: a click model over an ordered slate in its user context. A
// transformer reads [history | slate items with their positions] and predicts, for every
// position, the probability of a click given the whole slate, so position bias and
// intra-list effects (redundant or complementary neighbours) can be learned. Trained on
// logged slates with their clicks; its expected clicks are the RL reward. (On real data a
// second one, trained with another seed on train+valid, is the evaluation simulator.)
import type { RerankRequest } from '@glorank/data';
import { type ItemCodes, itemCodes, Rng, UserError } from '@glorank/data';
import * as tf from '@tensorflow/tfjs-core';
import { historyAffinity, neighbourOverlap } from '../glorank/code-features.js';
import { loggedSlate } from '../glorank/demonstrations.js';
import { ItemEmbedder } from '../glorank/item-embedder.js';
import type { TrainLogger } from '../methods/reranker.js';
import { Adam } from '../nn/adam.js';
import { MASK_VALUE } from '../nn/attention.js';
import { type Checkpoint, loadCheckpoint, saveCheckpoint } from '../nn/checkpoint.js';
import { Dense, Embedding, LayerNorm } from '../nn/layers.js';
import { ParamStore, type StoredArray } from '../nn/params.js';
import { EncoderBlock } from '../nn/transformer.js';
import { batchesPerEpoch, epochBatches } from './batches.js';

export interface EvaluatorConfig {
  dim: number;
  heads: number;
  hidden: number;
  layers: number;
  historyLength: number;
  slateSize: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  /**
   * Give each slate item its retriever score (standardised within the request) as a
   * feature: the logs only show top-scored items, and the score is what lets the click
   * model extrapolate to items the logs never exposed.
   */
  useInitialScores: boolean;
  /**
   * Share of training slates in which one position is swapped for a candidate that was
   * not exposed, labelled 0 as the dataset labels it. It tells the model that unexposed
   * candidates were not clicked, so the RL policy is not rewarded for leaving the region
   * the logs cover on the strength of extrapolation alone. 0 disables it.
   */
  unexposedSwaps: number;
  /**
   * Members of the reward-model ensemble, each with its own seed (and, with `bootstrap`, its
   * own resample of the logged slates). The reward of a slate is the members' mean minus
   * `pessimism` times their standard deviation: a policy is not paid for slates only some
   * members like, the usual guard against reward over-optimisation. One member's argmax
   * varies a lot with its seed on the synthetic benchmark; the mean of five does not.
   */
  ensemble: number;
  /** Train each ensemble member on a bootstrap resample instead of all logged slates. */
  bootstrap: boolean;
  /** Weight of the members' disagreement (std) subtracted from their mean reward. */
  pessimism: number;
  /**
   * Rank of the pairwise neighbour term u(c_i) . v(c_j) over first-level codes. At the
   * codebook size (16) it can hold any code-pair table: complements are a permutation of
   * topics, look-alikes the diagonal, which a low rank cannot both express (rank 8 gave a
   * pair-effect correlation with the truth of 0.10, rank 16 0.24; docs/results.md).
   */
  pairRank: number;
}

export const DEFAULT_EVALUATOR_CONFIG: EvaluatorConfig = {
  dim: 32,
  heads: 2,
  hidden: 64,
  layers: 0,
  historyLength: 20,
  slateSize: 6,
  epochs: 8,
  batchSize: 64,
  learningRate: 3e-3,
  weightDecay: 0,
  useInitialScores: true,
  unexposedSwaps: 0.5,
  ensemble: 1,
  bootstrap: false,
  pessimism: 0,
  pairRank: 16,
};

/** Fields older checkpoints were written without, at the values they were trained with. */
const LEGACY_EVALUATOR_FIELDS: Partial<EvaluatorConfig> = {
  pairRank: 8,
  ensemble: 1,
  bootstrap: false,
  pessimism: 0,
};

export const EVALUATOR_CHECKPOINT_KIND = 'glorank-evaluator';

export class ListwiseEvaluator {
  readonly items: ItemEmbedder;
  readonly recency: Embedding;
  readonly position: Embedding;
  readonly segment: Embedding;
  readonly blocks: EncoderBlock[];
  readonly norm: LayerNorm;
  readonly head: Dense;
  readonly score: Dense | null;
  readonly features: Dense;
  /** Direct (linear) effect of the hand-made features and the score on the click logit. */
  readonly linear: Dense;
  readonly positionBias: tf.Variable;
  /** Pairwise neighbour effects: u(c_i) . v(c_j) over first-level codes, weighted per distance. */
  readonly pairU: Embedding;
  readonly pairV: Embedding;
  readonly pairDistance: tf.Variable;

  constructor(
    readonly store: ParamStore,
    readonly codes: ItemCodes,
    readonly config: EvaluatorConfig,
  ) {
    const c = config;
    this.items = new ItemEmbedder(store, 'eval/item', codes, c.dim);
    this.recency = new Embedding(store, 'eval/recency', c.historyLength, c.dim);
    this.position = new Embedding(store, 'eval/position', c.slateSize, c.dim);
    this.segment = new Embedding(store, 'eval/segment', 2, c.dim);
    const block = { dim: c.dim, heads: c.heads, hidden: c.hidden };
    this.blocks = Array.from(
      { length: c.layers },
      (_, i) => new EncoderBlock(store, `eval/block${i}`, block),
    );
    this.norm = new LayerNorm(store, 'eval/norm', c.dim);
    this.head = new Dense(store, 'eval/head', c.dim, 1);
    this.score = c.useInitialScores ? new Dense(store, 'eval/score', 1, c.dim) : null;
    this.features = new Dense(store, 'eval/code-features', 2 * codes.levels, c.dim);
    this.linear = new Dense(store, 'eval/linear', 2 * codes.levels + 1, 1);
    this.positionBias = store.create('eval/position-bias', [c.slateSize], { kind: 'zeros' });
    this.pairU = new Embedding(store, 'eval/pair-u', codes.vocab[0] as number, c.pairRank, { std: 0.1 });
    this.pairV = new Embedding(store, 'eval/pair-v', codes.vocab[0] as number, c.pairRank, { std: 0.1 });
    this.pairDistance = store.create('eval/pair-distance', [c.slateSize], { kind: 'ones' });
  }

  /** Click logits [rows, L] of `slates` (item ids, top first) shown in `requests`' contexts. */
  logits(requests: readonly RerankRequest[], slates: readonly ArrayLike<number>[]): tf.Tensor2D {
    const B = requests.length;
    const L = slates[0]?.length ?? 0;
    if (L > this.config.slateSize)
      throw new RangeError(`evaluator built for slates of ${this.config.slateSize}, got ${L}`);
    const H = Math.max(
      1,
      Math.min(this.config.historyLength, Math.max(0, ...requests.map((r) => r.history.length))),
    );
    const hist = new Int32Array(B * H);
    const items = new Int32Array(B * L);
    const scores = new Float32Array(B * L);
    const F = 2 * this.codes.levels;
    const feats = new Float32Array(B * L * F);
    const S = H + L;
    const mask = new Float32Array(B * S);
    requests.forEach((r, b) => {
      const n = Math.min(H, r.history.length);
      for (let j = 0; j < n; j++) hist[b * H + j] = r.history[r.history.length - 1 - j] as number;
      for (let j = n; j < H; j++) mask[b * S + j] = MASK_VALUE;
      const s = slates[b] as ArrayLike<number>;
      if (s.length !== L) throw new RangeError('evaluator: all slates of a batch must have the same length');
      for (let i = 0; i < L; i++) items[b * L + i] = s[i] as number;
      for (let i = 0; i < L; i++) {
        historyAffinity(
          this.codes,
          r.history,
          this.config.historyLength,
          s[i] as number,
          feats,
          (b * L + i) * F,
        );
        neighbourOverlap(this.codes, s, i, 0.5, feats, (b * L + i) * F + this.codes.levels);
      }
      if (this.score !== null) {
        const z = standardisedScores(r);
        for (let i = 0; i < L; i++) scores[b * L + i] = z.get(s[i] as number) ?? 0;
      }
    });
    const [segH, segS] = tf.split(this.segment.apply(tf.tensor1d([0, 1], 'int32')), 2, 0) as [
      tf.Tensor,
      tf.Tensor,
    ];
    const h = tf.add(
      tf.add(this.items.apply(tf.tensor2d(hist, [B, H], 'int32')), segH),
      this.recency.apply(tf.range(0, H, 1, 'int32')),
    );
    let s = tf.add(
      tf.add(this.items.apply(tf.tensor2d(items, [B, L], 'int32')), segS),
      this.position.apply(tf.range(0, L, 1, 'int32')),
    );
    if (this.score !== null) s = tf.add(s, this.score.apply(tf.tensor3d(scores, [B, L, 1])));
    s = tf.add(s, this.features.apply(tf.tensor3d(feats, [B, L, F])));
    let x: tf.Tensor = tf.concat([h, s], 1);
    const m = tf.tensor3d(mask, [B, 1, S]);
    for (const block of this.blocks) x = block.apply(x, m);
    const deep = tf.reshape(
      this.head.apply(this.norm.apply(tf.slice(x, [0, H, 0], [B, L, this.config.dim]))),
      [B, L],
    );
    // Structured terms: they generalise from few logged slates where the transformer alone does not.
    const direct = tf.reshape(
      this.linear.apply(tf.concat([tf.tensor3d(feats, [B, L, F]), tf.tensor3d(scores, [B, L, 1])], 2)),
      [B, L],
    );
    const lv = this.codes.levels;
    const first = new Int32Array(B * L);
    for (let i = 0; i < B * L; i++) first[i] = this.codes.codes[(items[i] as number) * lv] as number;
    const firstIds = tf.tensor2d(first, [B, L], 'int32');
    const u = this.pairU.apply(firstIds) as tf.Tensor3D;
    const v = tf.transpose(this.pairV.apply(firstIds), [0, 2, 1]) as tf.Tensor3D;
    const distIdx = new Int32Array(L * L);
    const offDiag = new Float32Array(L * L);
    for (let i = 0; i < L; i++)
      for (let j = 0; j < L; j++) {
        distIdx[i * L + j] = Math.abs(i - j);
        offDiag[i * L + j] = i === j ? 0 : 1;
      }
    const distWeights = tf.mul(
      tf.reshape(tf.gather(this.pairDistance, tf.tensor1d(distIdx, 'int32')), [L, L]),
      tf.tensor2d(offDiag, [L, L]),
    );
    const pair = tf.sum(tf.mul(tf.matMul(u, v), distWeights), 2);
    const bias = tf.slice(this.positionBias, [0], [L]);
    return tf.add(tf.add(tf.add(deep, direct), pair), bias) as tf.Tensor2D;
  }

  /** Click probability of every position, per slate. */
  clickProbabilities(
    requests: readonly RerankRequest[],
    slates: readonly ArrayLike<number>[],
    batchSize = 256,
  ): Float32Array[] {
    const out: Float32Array[] = [];
    for (let i = 0; i < requests.length; i += batchSize) {
      const probs = tf.tidy(() =>
        tf.sigmoid(this.logits(requests.slice(i, i + batchSize), slates.slice(i, i + batchSize))).arraySync(),
      ) as number[][];
      for (const p of probs) out.push(Float32Array.from(p));
    }
    return out;
  }

  /** Expected clicks of every slate (the RL reward). */
  rewards(requests: readonly RerankRequest[], slates: readonly ArrayLike<number>[]): Float64Array {
    return Float64Array.from(this.clickProbabilities(requests, slates), (p) => p.reduce((a, b) => a + b, 0));
  }

  dispose(): void {
    this.items.dispose();
    this.store.dispose();
  }
}

export interface EvaluatorRun {
  codes: ItemCodes;
  /** Requests whose logged slates (`exposed`, in shown order, with labels as clicks) train the model. */
  requests: readonly RerankRequest[];
  config: EvaluatorConfig;
  seed: number;
  logger: TrainLogger;
  /** Held-out requests: the epoch with the lowest log loss on their logged slates is kept. */
  validation?: readonly RerankRequest[];
  onStep?: (done: number, total: number) => void;
}

/** Retriever score of each candidate item, standardised within the request. */
function standardisedScores(r: RerankRequest): Map<number, number> {
  const n = r.candidates.length;
  let mean = 0;
  for (let k = 0; k < n; k++) mean += r.initialScores[k] as number;
  mean /= Math.max(1, n);
  let v = 0;
  for (let k = 0; k < n; k++) v += ((r.initialScores[k] as number) - mean) ** 2;
  const std = Math.sqrt(v / Math.max(1, n)) || 1;
  const out = new Map<number, number>();
  for (let k = 0; k < n; k++)
    out.set(r.candidates[k] as number, ((r.initialScores[k] as number) - mean) / std);
  return out;
}

/** Logged slate of a request and its click labels. */
function loggedExample(r: RerankRequest, L: number): { slate: Int32Array; clicks: Float32Array } {
  const idx = loggedSlate(r, L);
  return {
    slate: Int32Array.from(idx, (k) => r.candidates[k] as number),
    clicks: Float32Array.from(idx, (k) => ((r.labels[k] as number) > 0 ? 1 : 0)),
  };
}

interface LoggedExample {
  r: RerankRequest;
  slate: Int32Array;
  clicks: Float32Array;
}

/** With probability unexposedSwaps, a copy of `e` with one position replaced by an unexposed candidate (label 0). */
function withUnexposedSwap(e: LoggedExample, c: EvaluatorConfig, rng: Rng): LoggedExample {
  if (c.unexposedSwaps <= 0 || rng.next() >= c.unexposedSwaps) return e;
  const shown = new Set(e.slate);
  const pool = Array.from(e.r.candidates).filter((item) => !shown.has(item));
  if (pool.length === 0) return e;
  const pos = rng.int(e.slate.length);
  const slate = Int32Array.from(e.slate);
  const clicks = Float32Array.from(e.clicks);
  slate[pos] = pool[rng.int(pool.length)] as number;
  clicks[pos] = 0;
  return { r: e.r, slate, clicks };
}

/**
 * The reward model: one list-wise evaluator, or an ensemble of them whose reward is the
 * members' mean minus config.pessimism times their standard deviation.
 */
export class EvaluatorEnsemble {
  constructor(
    readonly members: readonly ListwiseEvaluator[],
    readonly config: EvaluatorConfig,
  ) {
    if (members.length === 0) throw new RangeError('an evaluator ensemble needs at least one member');
  }

  get codes(): ItemCodes {
    return (this.members[0] as ListwiseEvaluator).codes;
  }

  /** Click probability of every position, averaged over the members. */
  clickProbabilities(
    requests: readonly RerankRequest[],
    slates: readonly ArrayLike<number>[],
  ): Float32Array[] {
    const all = this.members.map((m) => m.clickProbabilities(requests, slates));
    if (all.length === 1) return all[0] as Float32Array[];
    return (all[0] as Float32Array[]).map((row, i) =>
      Float32Array.from(
        row,
        (_, j) => all.reduce((s, m) => s + ((m[i] as Float32Array)[j] as number), 0) / all.length,
      ),
    );
  }

  /** Expected clicks of every slate (the RL reward): members' mean - pessimism x std. */
  rewards(requests: readonly RerankRequest[], slates: readonly ArrayLike<number>[]): Float64Array {
    const all = this.members.map((m) => m.rewards(requests, slates));
    if (all.length === 1) return all[0] as Float64Array;
    const K = all.length;
    return Float64Array.from({ length: requests.length }, (_, i) => {
      let mean = 0;
      for (const a of all) mean += a[i] as number;
      mean /= K;
      let v = 0;
      for (const a of all) v += ((a[i] as number) - mean) ** 2;
      return mean - this.config.pessimism * Math.sqrt(v / K);
    });
  }

  dispose(): void {
    for (const m of this.members) m.dispose();
  }
}

/**
 * Train the reward model by binary cross-entropy on logged clicks: config.ensemble
 * members, each with its own seed (and with config.bootstrap its own resample).
 */
export function trainEvaluator(run: EvaluatorRun): EvaluatorEnsemble {
  const K = Math.max(1, run.config.ensemble);
  if (K === 1) return new EvaluatorEnsemble([trainMember(run)], run.config);
  const members: ListwiseEvaluator[] = [];
  for (let k = 0; k < K; k++) {
    const rng = new Rng(run.seed).fork(`bootstrap-${k}`);
    const requests = run.config.bootstrap
      ? Array.from(
          { length: run.requests.length },
          () => run.requests[rng.int(run.requests.length)] as RerankRequest,
        )
      : run.requests;
    run.logger.info?.(`evaluator: ensemble member ${k + 1} of ${K}`);
    members.push(trainMember({ ...run, requests, seed: run.seed + 7919 * k }));
  }
  return new EvaluatorEnsemble(members, run.config);
}

/** Train one list-wise evaluator by binary cross-entropy on logged clicks. */
function trainMember(run: EvaluatorRun): ListwiseEvaluator {
  const c = run.config;
  const rng = new Rng(run.seed);
  const evaluator = new ListwiseEvaluator(new ParamStore(rng.fork('init')), run.codes, c);
  const examples = run.requests
    .filter((r) => r.exposed.length >= c.slateSize)
    .map((r) => ({ r, ...loggedExample(r, c.slateSize) }));
  const optimizer = new Adam(evaluator.store, {
    lr: c.learningRate,
    weightDecay: c.weightDecay,
    clipNorm: 1,
  });
  const perEpoch = batchesPerEpoch(examples.length, c.batchSize);
  const total = perEpoch * c.epochs;
  let step = 0;
  let best: { logLoss: number; epoch: number; arrays: Map<string, StoredArray> | null } = {
    logLoss: Number.POSITIVE_INFINITY,
    epoch: -1,
    arrays: null,
  };
  for (let epoch = 0; epoch < c.epochs; epoch++) {
    for (const idx of epochBatches(rng, 'evaluator-epoch', epoch, examples.length, c.batchSize)) {
      const swapRng = rng.fork(`evaluator-swaps-${step}`);
      const batch = idx.map((i) => withUnexposedSwap(examples[i] as (typeof examples)[number], c, swapRng));
      const labels = new Float32Array(batch.length * c.slateSize);
      batch.forEach((e, b) => {
        labels.set(e.clicks, b * c.slateSize);
      });
      const { value, grads } = evaluator.store.valueAndGrads(() =>
        tf.tidy(() => {
          const logits = evaluator.logits(
            batch.map((e) => e.r),
            batch.map((e) => e.slate),
          );
          return tf.mean(bce(tf.tensor2d(labels, logits.shape), logits)) as tf.Scalar;
        }),
      );
      const loss = value.dataSync()[0] as number;
      optimizer.step(grads);
      value.dispose();
      for (const g of grads.values()) g.dispose();
      step++;
      run.logger.log(step, { 'evaluator/loss': loss, 'evaluator/epoch': epoch });
      run.onStep?.(step, total);
    }
    if (run.validation !== undefined && run.validation.length > 0) {
      const fit = evaluatorFit(evaluator, run.validation);
      run.logger.log(step, { 'evaluator/valid_log_loss': fit.logLoss });
      if (fit.logLoss < best.logLoss)
        best = { logLoss: fit.logLoss, epoch, arrays: evaluator.store.exportArrays() };
    }
  }
  if (best.arrays !== null) {
    evaluator.store.importArrays(best.arrays);
    run.logger.info?.(`evaluator: kept epoch ${best.epoch + 1} (valid log loss ${best.logLoss.toFixed(4)})`);
  }
  optimizer.dispose();
  return evaluator;
}

/** Element-wise binary cross-entropy with logits, numerically stable. */
function bce(labels: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  // max(x, 0) - x * z + log(1 + exp(-|x|))
  return tf.add(tf.sub(tf.relu(logits), tf.mul(logits, labels)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
}

/** Mean log-likelihood and calibration of an evaluator on the logged slates of `requests`. */
export function evaluatorFit(
  evaluator: Pick<ListwiseEvaluator, 'clickProbabilities' | 'config'>,
  requests: readonly RerankRequest[],
): { logLoss: number; meanPredicted: number; meanObserved: number } {
  const L = evaluator.config.slateSize;
  const ex = requests.filter((r) => r.exposed.length >= L).map((r) => loggedExample(r, L));
  const probs = evaluator.clickProbabilities(
    requests.filter((r) => r.candidates.length >= L),
    ex.map((e) => e.slate),
  );
  let ll = 0;
  let pred = 0;
  let obs = 0;
  let n = 0;
  probs.forEach((p, i) => {
    const y = (ex[i] as { clicks: Float32Array }).clicks;
    for (let j = 0; j < L; j++) {
      const q = Math.min(1 - 1e-7, Math.max(1e-7, p[j] as number));
      ll += (y[j] as number) > 0 ? Math.log(q) : Math.log(1 - q);
      pred += q;
      obs += y[j] as number;
      n++;
    }
  });
  return { logLoss: -ll / n, meanPredicted: pred / n, meanObserved: obs / n };
}

/** Save an evaluator (weights, codes, configuration) atomically. */
/** Checkpoint prefix of member k: 'params/' for the first (the single-model layout), 'params{k}/' after. */
const memberPrefix = (k: number): string => (k === 0 ? 'params/' : `params${k}/`);

/** Save a reward model (every member's weights, the codes, the configuration) atomically. */
export async function saveEvaluator(
  dir: string,
  evaluator: EvaluatorEnsemble,
  meta: Record<string, unknown> = {},
): Promise<void> {
  const arrays = new Map<string, StoredArray>();
  evaluator.members.forEach((m, k) => {
    for (const [name, v] of m.store.exportArrays(memberPrefix(k))) arrays.set(name, v);
  });
  const codes = evaluator.codes;
  arrays.set('codes', { shape: [codes.items, codes.levels], values: Float32Array.from(codes.codes) });
  await saveCheckpoint(dir, {
    meta: {
      ...meta,
      kind: EVALUATOR_CHECKPOINT_KIND,
      evaluator: { ...evaluator.config, ensemble: evaluator.members.length },
      vocab: codes.vocab,
    },
    arrays,
  });
}

export async function loadEvaluator(
  dir: string,
): Promise<{ evaluator: EvaluatorEnsemble; checkpoint: Checkpoint }> {
  const checkpoint = await loadCheckpoint(dir);
  if (checkpoint.meta.kind !== EVALUATOR_CHECKPOINT_KIND) {
    throw new UserError(`not an evaluator checkpoint (kind '${String(checkpoint.meta.kind)}')`, {
      file: dir,
    });
  }
  const table = checkpoint.arrays.get('codes');
  if (table === undefined) throw new UserError('evaluator checkpoint has no codes', { file: dir });
  const codes = itemCodes(
    Int32Array.from(table.values),
    table.shape[1],
    checkpoint.meta.vocab as number[] | undefined,
  );
  const config: EvaluatorConfig = {
    ...DEFAULT_EVALUATOR_CONFIG,
    ...LEGACY_EVALUATOR_FIELDS,
    ...(checkpoint.meta.evaluator as Partial<EvaluatorConfig>),
  };
  const members = Array.from({ length: Math.max(1, config.ensemble) }, (_, k) => {
    const m = new ListwiseEvaluator(new ParamStore(new Rng(0)), codes, config);
    m.store.importArrays(checkpoint.arrays, memberPrefix(k), dir);
    return m;
  });
  return { evaluator: new EvaluatorEnsemble(members, config), checkpoint };
}
