// GloRank on the synthetic benchmark, scored by the true click model: initial order, the
// local-index ablation (SFT), GloRank SFT, GloRank SFT+RL against the learned evaluator,
// and (as a diagnostic of the RL machinery) SFT+RL against the true click model itself.
// Used by the benchmark test, `bench/glorank-synthetic.mjs` and the README numbers.
import {
  generateSynthetic,
  type ItemCodes,
  itemCodes,
  type RerankRequest,
  Rng,
  type SyntheticOptions,
  slateMetrics,
  UserError,
} from '@glorank/data';
import {
  decodeSlates,
  type EvaluatorEnsemble,
  type GloRankConfigInput,
  greedySlates,
  initialSlate,
  type RewardFunction,
  requestsOf,
  resolveTrainConfig,
  silentLogger,
  type TrainLogger,
  tokenizeDataset,
  trainGloRankRl,
  trainGloRankSft,
  trainPrm,
  trainRewardModel,
} from '@glorank/model';

export const COMPARISON_METHODS = [
  'initial',
  'prm',
  'glorank-local',
  'glorank-sft',
  'glorank-rl',
  'glorank-rl-oracle',
  'evaluator-greedy',
] as const;
export type ComparisonMethod = (typeof COMPARISON_METHODS)[number];

/** Earlier names of comparison methods, refused with the current one named. */
const RENAMED_METHODS: Record<string, ComparisonMethod> = { 'local-sft': 'glorank-local' };

/** Rejects unknown method names in one line (scripts pass them from the command line). */
function checkMethods(methods: readonly string[]): void {
  for (const m of methods) {
    if ((COMPARISON_METHODS as readonly string[]).includes(m)) continue;
    const renamed = RENAMED_METHODS[m];
    throw new UserError(
      renamed !== undefined
        ? `'${m}' is now called '${renamed}' (the local-index ablation has one name everywhere)`
        : `unknown method '${m}', expected one of ${COMPARISON_METHODS.join(', ')}`,
      { field: 'methods' },
    );
  }
}

export interface ComparisonOptions {
  synthetic: SyntheticOptions;
  /** Overrides of the GloRank configuration (model, sft, rewardModel, rl, decode). */
  config?: Partial<GloRankConfigInput>;
  /** Tokenizer settings for the semantic IDs. */
  tokenizer?: { levels?: number; codebookSize?: number };
  seed: number;
  methods?: readonly ComparisonMethod[];
  logger?: TrainLogger;
  onProgress?: (message: string) => void;
}

export interface MethodScore {
  /** Mean true expected clicks per test request. */
  reward: number;
  /** True expected clicks of each test request (for paired comparisons). */
  rewards: Float64Array;
  ndcg: number;
  precision: number;
  seconds: number;
  /** Mean reward of the same slates under the learned evaluator (when one was trained). */
  evaluatorReward?: number;
}

export interface ComparisonResult {
  seed: number;
  testRequests: number;
  levels: number;
  codebookSizes: number[];
  scores: Partial<Record<ComparisonMethod, MethodScore>>;
  /**
   * Mean within-request Pearson correlation, over test requests, between the learned
   * evaluator's reward and the true expected clicks of random slates of the request's
   * candidates (only when 'glorank-rl' ran): how informative the RL reward is.
   */
  evaluatorCorrelation?: number;
}

/** Mean within-request correlation of `a` and `b` over `slatesPer` random slates of each request. */
export function withinRequestCorrelation(
  requests: readonly RerankRequest[],
  a: RewardFunction,
  b: RewardFunction,
  slateSize: number,
  slatesPer: number,
  seed: number,
): number {
  const rng = new Rng(seed);
  const reqs: RerankRequest[] = [];
  const slates: Int32Array[] = [];
  for (const r of requests) {
    for (let g = 0; g < slatesPer; g++) {
      const pool = Array.from(r.candidates);
      for (let i = pool.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [pool[i], pool[j]] = [pool[j] as number, pool[i] as number];
      }
      reqs.push(r);
      slates.push(Int32Array.from(pool.slice(0, slateSize)));
    }
  }
  const ra = a(reqs, slates);
  const rb = b(reqs, slates);
  let sum = 0;
  let n = 0;
  for (let q = 0; q < requests.length; q++) {
    const o = q * slatesPer;
    let ma = 0;
    let mb = 0;
    for (let g = 0; g < slatesPer; g++) {
      ma += ra[o + g] as number;
      mb += rb[o + g] as number;
    }
    ma /= slatesPer;
    mb /= slatesPer;
    let cab = 0;
    let caa = 0;
    let cbb = 0;
    for (let g = 0; g < slatesPer; g++) {
      const da = (ra[o + g] as number) - ma;
      const db = (rb[o + g] as number) - mb;
      cab += da * db;
      caa += da * da;
      cbb += db * db;
    }
    if (caa > 0 && cbb > 0) {
      sum += cab / Math.sqrt(caa * cbb);
      n++;
    }
  }
  return n > 0 ? sum / n : Number.NaN;
}

/** Semantic IDs of a synthetic benchmark from the tokenizer (collaborative + content sources). */
export function syntheticCodes(
  ds: ReturnType<typeof generateSynthetic>,
  o: { levels?: number; codebookSize?: number; seed: number },
): ItemCodes {
  const t = tokenizeDataset(ds, { levels: o.levels ?? 3, codebookSize: o.codebookSize ?? 16, seed: o.seed });
  return itemCodes(t.codes, t.levels, t.codebookSizes);
}

export async function runSyntheticComparison(o: ComparisonOptions): Promise<ComparisonResult> {
  const methods = o.methods ?? COMPARISON_METHODS;
  checkMethods(methods);
  const logger = o.logger ?? silentLogger;
  const ds = generateSynthetic(o.synthetic);
  const codes = syntheticCodes(ds, { ...(o.tokenizer ?? {}), seed: o.seed });
  const config = resolveTrainConfig(o.config ?? {});
  const L = ds.manifest.protocol.slateSize;
  const test = requestsOf(ds, ['test']).filter((r) => r.candidates.length >= L);
  const truth: RewardFunction = (rs, ss) =>
    Float64Array.from(rs, (r, i) => ds.clickModel.expectedReward(r, ss[i] as Int32Array));
  let evaluatorOf: RewardFunction | undefined;
  const score = (slates: Int32Array[], started: number): MethodScore => {
    const items = slates.map((s, i) =>
      Int32Array.from(s, (k) => (test[i] as RerankRequest).candidates[k] as number),
    );
    const r = truth(test, items);
    const m = slateMetrics(test, items, L);
    return {
      reward: r.reduce((a, b) => a + b, 0) / r.length,
      rewards: r,
      ndcg: m.ndcg,
      ...(evaluatorOf !== undefined
        ? { evaluatorReward: evaluatorOf(test, items).reduce((a, b) => a + b, 0) / items.length }
        : {}),
      precision: m.precision,
      seconds: (Date.now() - started) / 1000,
    };
  };
  const scores: ComparisonResult['scores'] = {};
  let evaluatorCorrelation: number | undefined;
  const note = (m: string) => o.onProgress?.(m);
  // The learned evaluator (RL reward, and the picker of 'search' demonstrations).
  let evaluator: EvaluatorEnsemble | null = null;
  const needEvaluator =
    methods.includes('glorank-rl') ||
    methods.includes('evaluator-greedy') ||
    (config.sft.demonstrations === 'search' && methods.some((m) => m !== 'initial' && m !== 'prm'));
  if (needEvaluator) {
    note('reward model');
    evaluator = trainRewardModel({
      dataset: ds,
      codes,
      config,
      seed: o.seed + 1000,
      logger,
      splits: ['train'],
    });
    const ev = evaluator;
    evaluatorCorrelation = withinRequestCorrelation(
      test,
      (rs, ss) => ev.rewards(rs, ss),
      truth,
      L,
      8,
      o.seed + 2000,
    );
    note(`evaluator: within-request correlation with the true reward ${evaluatorCorrelation.toFixed(3)}`);
  }
  const evaluatorReward: RewardFunction | undefined =
    evaluator === null ? undefined : (rs, ss) => (evaluator as EvaluatorEnsemble).rewards(rs, ss);
  evaluatorOf = evaluatorReward;
  if (methods.includes('initial')) {
    scores.initial = score(
      test.map((r) => initialSlate(r, L)),
      Date.now(),
    );
  }
  if (methods.includes('prm')) {
    // The best baseline of the demo's table (README), trained as experiments/synthetic.yaml does.
    const t0 = Date.now();
    const { reranker } = trainPrm(
      { dataset: ds, seed: o.seed, logger },
      {
        epochs: 2,
        batchSize: 64,
        learningRate: 3e-3,
        maxSteps: 0,
        dim: 32,
        heads: 2,
        layers: 1,
        slateSize: L,
      },
    );
    const ranked = reranker.rank(test, L);
    reranker.dispose();
    scores.prm = score(
      ranked.map((items, i) =>
        Int32Array.from(items, (item) => (test[i] as RerankRequest).candidates.indexOf(item)),
      ),
      t0,
    );
  }
  // 'search' demonstrations: the evaluator picks them, once for both SFT runs.
  const searched =
    evaluatorReward !== undefined
      ? {
          demonstrationReward: evaluatorReward,
          demonstrationKey: `comparison-${o.seed}-${JSON.stringify(config.rewardModel)}`,
        }
      : {};
  if (methods.includes('evaluator-greedy') && evaluatorReward !== undefined) {
    // Diagnostic: the evaluator's own greedy slates on the test requests (no policy).
    scores['evaluator-greedy'] = score(greedySlates(test, evaluatorReward, L), Date.now());
  }
  if (methods.includes('glorank-local')) {
    note('local-index ablation: SFT');
    const t0 = Date.now();
    const local = await trainGloRankSft({
      dataset: ds,
      codes,
      config: { ...config, model: { ...config.model, mode: 'local' } },
      seed: o.seed,
      logger,
      ...searched,
    });
    scores['glorank-local'] = score(decodeSlates(local.model, test, L, config.decode), t0);
    local.model.store.dispose();
  }
  // The local-index ablation above trains its own SFT model; the rest build on GloRank's.
  const needSft = methods.some((m) => m.startsWith('glorank') && m !== 'glorank-local');
  // `scores` fills in below; the summary holds it by reference.
  const summary = {
    seed: o.seed,
    testRequests: test.length,
    levels: codes.levels,
    codebookSizes: codes.vocab,
    scores,
  };
  if (!needSft) return summary;
  note('GloRank: SFT');
  const t0 = Date.now();
  const sft = await trainGloRankSft({
    dataset: ds,
    codes,
    config,
    seed: o.seed,
    logger,
    ...searched,
  });
  const sftSeconds = (Date.now() - t0) / 1000;
  if (methods.includes('glorank-sft'))
    scores['glorank-sft'] = score(decodeSlates(sft.model, test, L, config.decode), t0);
  const snapshot = sft.model.store.exportArrays();
  const rlRuns: [ComparisonMethod, RewardFunction][] = [];
  if (methods.includes('glorank-rl') && evaluatorReward !== undefined)
    rlRuns.push(['glorank-rl', evaluatorReward]);
  if (methods.includes('glorank-rl-oracle')) rlRuns.push(['glorank-rl-oracle', truth]);
  for (const [name, reward] of rlRuns) {
    const t1 = Date.now();
    sft.model.store.importArrays(snapshot);
    note(`GloRank: RL (${name})`);
    const rl = await trainGloRankRl({ from: sft.model, dataset: ds, reward, config, seed: o.seed, logger });
    const s = score(decodeSlates(rl.model, test, L, config.decode), t1);
    scores[name] = { ...s, seconds: s.seconds + sftSeconds };
  }
  sft.model.store.dispose();
  evaluator?.dispose();
  return { ...summary, ...(evaluatorCorrelation !== undefined ? { evaluatorCorrelation } : {}) };
}
