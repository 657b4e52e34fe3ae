// The independent evaluation simulator of real-data experiments: a position-based click model
// (PBM) whose relevance is a logistic factorization model over the item and the user's history,
//
//   P(click | request u, item i at position k) = sigmoid(g_k) * sigmoid(b + b_i + v_i . mean_{j in H_u} w_j)
//
// trained by maximum likelihood on the logged slates of train+valid, then frozen and named by
// the sha256 of its parameters.
//
// Why this family (issue 13): the RL reward model is a neural list-wise evaluator over semantic
// IDs (training/evaluator.ts) trained on the train split with pairwise/list objectives. RL
// exploited errors that a second evaluator of the same architecture shared (a second seed on
// the same data gave RL a reward of 4.69 while P@6 collapsed to 8.4). This model shares none of
// that: no semantic IDs (raw item ids), no attention or list context (each slot's click depends
// only on its item, the user's history and its position, the examination hypothesis of the
// classic click-model literature), a different objective (pointwise click likelihood), a
// different optimiser (Adagrad in float64, no tfjs) and different data (train+valid, with
// unlogged candidates as examined non-clicks). A policy can only raise its reward by putting
// items this model finds relevant for the user near the top, which is what P@L and NDCG@L on
// the logged clicks measure too; list-context artefacts of the reward model do not carry over.
// It is deliberately simple (its calibration on the logged test slates is reported under every
// table, so a reader can judge how far to trust it).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type RerankRequest, Rng, UserError, writeFileAtomic } from '@glorank/data';

export interface ClickSimulatorConfig {
  /** Width of the item and history factors. */
  dim: number;
  epochs: number;
  /** Adagrad step size. */
  learningRate: number;
  /** L2 penalty on biases and factors (per update). */
  l2: number;
  /** Unlogged candidates per request and epoch taken as examined non-clicks. */
  negatives: number;
  seed: number;
}

export const DEFAULT_CLICK_SIMULATOR_CONFIG: ClickSimulatorConfig = {
  dim: 16,
  epochs: 8,
  learningRate: 0.05,
  l2: 1e-5,
  negatives: 12,
  seed: 3000,
};

/** The frozen parameters (plain arrays so JSON round-trips them exactly). */
export interface ClickSimulatorParams {
  format: 'glorank-pbm-click-simulator';
  version: 1;
  config: ClickSimulatorConfig;
  slateSize: number;
  numItems: number;
  /** Splits whose logged slates trained it. */
  splits: string[];
  bias: number;
  /** Examination logits g_k per position. */
  examination: number[];
  itemBias: number[];
  /** numItems x dim, row-major. */
  itemFactors: number[];
  historyFactors: number[];
}

/** Calibration on logged slates (the test split's, in the results footer). */
export interface SimulatorCalibration {
  /** Requests with a logged slate. */
  slates: number;
  /** Mean over those slates of predicted and of observed clicks (label > 0) on the logged items. */
  meanPredictedClicks: number;
  meanObservedClicks: number;
  /** Mean binary log loss over logged (item, position) pairs. */
  logLoss: number;
  /** AUC of the click probability over logged (item, position) pairs; null with one class only. */
  aucLogged: number | null;
  /** AUC of the relevance score: clicked candidates against every other candidate, pooled. */
  aucCandidates: number | null;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** sha256 of the parameters and everything that shapes them (checksum = the simulator's name). */
export function simulatorChecksum(p: ClickSimulatorParams): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify({ format: p.format, version: p.version, config: p.config, L: p.slateSize, n: p.numItems }),
  );
  h.update(JSON.stringify(p.splits));
  for (const xs of [[p.bias], p.examination, p.itemBias, p.itemFactors, p.historyFactors]) {
    h.update(Buffer.from(Float64Array.from(xs).buffer));
  }
  return h.digest('hex');
}

export class ClickSimulator {
  readonly sha256: string;
  private readonly dim: number;
  private readonly itemFactors: Float64Array;
  private readonly historyFactors: Float64Array;
  private readonly itemBias: Float64Array;
  private readonly examination: Float64Array;

  constructor(readonly params: ClickSimulatorParams) {
    this.dim = params.config.dim;
    this.itemFactors = Float64Array.from(params.itemFactors);
    this.historyFactors = Float64Array.from(params.historyFactors);
    this.itemBias = Float64Array.from(params.itemBias);
    this.examination = Float64Array.from(params.examination);
    this.sha256 = simulatorChecksum(params);
  }

  /** Mean history factor of a request (zeros for an empty history). */
  private historyVector(r: RerankRequest): Float64Array {
    return meanRows(this.historyFactors, this.dim, r.history, this.params.numItems);
  }

  private relevance(item: number, h: Float64Array): number {
    if (item < 0 || item >= this.params.numItems) return this.params.bias;
    let s = this.params.bias + (this.itemBias[item] as number);
    const o = item * this.dim;
    for (let d = 0; d < this.dim; d++) s += (this.itemFactors[o + d] as number) * (h[d] as number);
    return s;
  }

  /** P(click) of each slot of each slate (item ids, top first); slots past L get no examination. */
  clickProbabilities(
    requests: readonly RerankRequest[],
    slates: readonly ArrayLike<number>[],
  ): Float64Array[] {
    return requests.map((r, i) => {
      const slate = slates[i] as ArrayLike<number>;
      const h = this.historyVector(r);
      return Float64Array.from({ length: slate.length }, (_, k) =>
        k < this.examination.length
          ? sigmoid(this.examination[k] as number) * sigmoid(this.relevance(slate[k] as number, h))
          : 0,
      );
    });
  }

  /** Expected clicks per slate: the reward column of real-data tables. */
  rewards(requests: readonly RerankRequest[], slates: readonly ArrayLike<number>[]): Float64Array {
    return Float64Array.from(this.clickProbabilities(requests, slates), (p) => p.reduce((a, b) => a + b, 0));
  }

  /** Predicted against observed clicks on the logged slates of `requests`. */
  calibration(requests: readonly RerankRequest[]): SimulatorCalibration {
    let slates = 0;
    let predicted = 0;
    let observed = 0;
    let loss = 0;
    const logged: { p: number; y: number }[] = [];
    const candidates: { p: number; y: number }[] = [];
    for (const r of requests) {
      const h = this.historyVector(r);
      for (let c = 0; c < r.candidates.length; c++) {
        candidates.push({
          p: this.relevance(r.candidates[c] as number, h),
          y: (r.labels[c] as number) > 0 ? 1 : 0,
        });
      }
      if (r.exposed.length === 0) continue;
      slates++;
      const items = Array.from(r.exposed, (k) => r.candidates[k] as number);
      const p = this.clickProbabilities([r], [items])[0] as Float64Array;
      r.exposed.forEach((k, pos) => {
        const y = (r.labels[k] as number) > 0 ? 1 : 0;
        const q = Math.min(Math.max(p[pos] as number, 1e-12), 1 - 1e-12);
        predicted += q;
        observed += y;
        loss -= y * Math.log(q) + (1 - y) * Math.log(1 - q);
        logged.push({ p: q, y });
      });
    }
    return {
      slates,
      meanPredictedClicks: slates > 0 ? predicted / slates : Number.NaN,
      meanObservedClicks: slates > 0 ? observed / slates : Number.NaN,
      logLoss: logged.length > 0 ? loss / logged.length : Number.NaN,
      aucLogged: auc(logged),
      aucCandidates: auc(candidates),
    };
  }

  async save(file: string): Promise<void> {
    await writeFileAtomic(file, `${JSON.stringify({ sha256: this.sha256, params: this.params })}\n`);
  }
}

/** Load a frozen simulator; its recomputed checksum must match the one it was saved with. */
export async function loadClickSimulator(file: string): Promise<ClickSimulator> {
  const raw = JSON.parse(await readFile(file, 'utf8')) as { sha256: string; params: ClickSimulatorParams };
  if (raw.params?.format !== 'glorank-pbm-click-simulator' || raw.params.version !== 1) {
    throw new UserError('not a glorank click simulator (expected format glorank-pbm-click-simulator v1)', {
      file,
    });
  }
  const sim = new ClickSimulator(raw.params);
  if (sim.sha256 !== raw.sha256) {
    throw new UserError(`simulator parameters changed: checksum ${sim.sha256} != saved ${raw.sha256}`, {
      file,
    });
  }
  return sim;
}

/**
 * Area under the ROC curve (Mann-Whitney U with ties counted half); null when one class is
 * missing.
 */
export function auc(points: readonly { p: number; y: number }[]): number | null {
  const sorted = [...points].sort((a, b) => a.p - b.p);
  let pos = 0;
  let neg = 0;
  for (const x of sorted) if (x.y > 0) pos++;
  neg = sorted.length - pos;
  if (pos === 0 || neg === 0) return null;
  // Average ranks over ties, then U = sum of positive ranks - pos(pos+1)/2.
  let rankSum = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as { p: number }).p === (sorted[i] as { p: number }).p)
      j++;
    const rank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) if ((sorted[k] as { y: number }).y > 0) rankSum += rank;
    i = j + 1;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

function meanRows(table: Float64Array, dim: number, rows: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(dim);
  let count = 0;
  for (let t = 0; t < rows.length; t++) {
    const j = rows[t] as number;
    if (j < 0 || j >= n) continue;
    count++;
    const o = j * dim;
    for (let d = 0; d < dim; d++) out[d] = (out[d] as number) + (table[o + d] as number);
  }
  if (count > 0) for (let d = 0; d < dim; d++) out[d] = (out[d] as number) / count;
  return out;
}

export interface TrainClickSimulatorOptions {
  /** Requests whose logged slates train it (the experiment passes train + valid). */
  requests: readonly RerankRequest[];
  splits: readonly string[];
  numItems: number;
  slateSize: number;
  config?: Partial<ClickSimulatorConfig>;
  onEpoch?: (done: number, total: number) => void;
}

/**
 * Maximum likelihood by Adagrad. Logged items train examination and relevance
 * (y = label > 0 at their logged position); `negatives` unlogged candidates per request and
 * epoch are examined non-clicks (relevance only): on implicit logs, where every logged item is
 * a click, they are the only negatives, and treating them as examined keeps them from biasing
 * the position curve.
 */
export function trainClickSimulator(o: TrainClickSimulatorOptions): ClickSimulator {
  const config = { ...DEFAULT_CLICK_SIMULATOR_CONFIG, ...(o.config ?? {}) };
  const { dim } = config;
  const { numItems } = o;
  const L = o.slateSize;
  const rng = new Rng(config.seed);
  const itemFactors = Float64Array.from({ length: numItems * dim }, () => rng.normal(0, 0.01));
  const historyFactors = Float64Array.from({ length: numItems * dim }, () => rng.normal(0, 0.01));
  const itemBias = new Float64Array(numItems);
  const examination = new Float64Array(L).fill(2); // sigmoid(2) = 0.88: mostly examined at start.
  let bias = 0;
  // Adagrad accumulators.
  const gItem = new Float64Array(itemFactors.length).fill(1e-8);
  const gHist = new Float64Array(historyFactors.length).fill(1e-8);
  const gItemBias = new Float64Array(numItems).fill(1e-8);
  const gExam = new Float64Array(L).fill(1e-8);
  let gBias = 1e-8;
  const lr = config.learningRate;
  const l2 = config.l2;
  const requests = o.requests.filter((r) => r.exposed.length > 0);
  const order = Array.from(requests, (_, i) => i);
  const gradH = new Float64Array(dim);
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    rng.shuffle(order);
    for (const ri of order) {
      const r = requests[ri] as RerankRequest;
      const hist = Array.from(r.history).filter((j) => j >= 0 && j < numItems);
      const h = meanRows(historyFactors, dim, hist, numItems);
      gradH.fill(0);
      const exposedSet = new Set(Array.from(r.exposed));
      const examples: { item: number; pos: number; y: number }[] = [];
      r.exposed.forEach((k, pos) => {
        if (pos < L)
          examples.push({ item: r.candidates[k] as number, pos, y: (r.labels[k] as number) > 0 ? 1 : 0 });
      });
      const pool = Array.from(r.candidates.keys()).filter((k) => !exposedSet.has(k));
      for (let n = 0; n < Math.min(config.negatives, pool.length); n++) {
        const pick = n + rng.int(pool.length - n);
        [pool[n], pool[pick]] = [pool[pick] as number, pool[n] as number];
        examples.push({ item: r.candidates[pool[n] as number] as number, pos: -1, y: 0 });
      }
      for (const ex of examples) {
        const i = ex.item;
        if (i < 0 || i >= numItems) continue;
        const o2 = i * dim;
        let s = bias + (itemBias[i] as number);
        for (let d = 0; d < dim; d++) s += (itemFactors[o2 + d] as number) * (h[d] as number);
        const rel = sigmoid(s);
        // d(-log-likelihood)/d(relevance logit) and /d(examination logit).
        let ds: number;
        let dg = 0;
        if (ex.pos < 0) {
          ds = rel - ex.y;
        } else {
          const e = sigmoid(examination[ex.pos] as number);
          const p = Math.min(Math.max(e * rel, 1e-9), 1 - 1e-9);
          if (ex.y > 0) {
            ds = -(1 - rel);
            dg = -(1 - e);
          } else {
            ds = (p * (1 - rel)) / (1 - p);
            dg = (p * (1 - e)) / (1 - p);
          }
          gExam[ex.pos] = (gExam[ex.pos] as number) + dg * dg;
          examination[ex.pos] =
            (examination[ex.pos] as number) - (lr * dg) / Math.sqrt(gExam[ex.pos] as number);
        }
        gBias += ds * ds;
        bias -= (lr * ds) / Math.sqrt(gBias);
        const gb = ds + l2 * (itemBias[i] as number);
        gItemBias[i] = (gItemBias[i] as number) + gb * gb;
        itemBias[i] = (itemBias[i] as number) - (lr * gb) / Math.sqrt(gItemBias[i] as number);
        for (let d = 0; d < dim; d++) {
          const v = itemFactors[o2 + d] as number;
          gradH[d] = (gradH[d] as number) + ds * v;
          const g = ds * (h[d] as number) + l2 * v;
          gItem[o2 + d] = (gItem[o2 + d] as number) + g * g;
          itemFactors[o2 + d] = v - (lr * g) / Math.sqrt(gItem[o2 + d] as number);
        }
      }
      // The history mean spreads its gradient evenly over the history items.
      if (hist.length > 0) {
        for (const j of hist) {
          const o3 = j * dim;
          for (let d = 0; d < dim; d++) {
            const w = historyFactors[o3 + d] as number;
            const g = (gradH[d] as number) / hist.length + l2 * w;
            gHist[o3 + d] = (gHist[o3 + d] as number) + g * g;
            historyFactors[o3 + d] = w - (lr * g) / Math.sqrt(gHist[o3 + d] as number);
          }
        }
      }
    }
    o.onEpoch?.(epoch + 1, config.epochs);
  }
  return new ClickSimulator({
    format: 'glorank-pbm-click-simulator',
    version: 1,
    config,
    slateSize: L,
    numItems,
    splits: [...o.splits],
    bias,
    examination: Array.from(examination),
    itemBias: Array.from(itemBias),
    itemFactors: Array.from(itemFactors),
    historyFactors: Array.from(historyFactors),
  });
}
