// GloRank end to end on a loaded dataset: SFT, the reward model, RL and evaluation, each
// one call. The CLI (`glorank train|eval`) and the experiment harness use these, so the
// request splits, checkpoint layout and metric definitions live in one place.
import type { ItemCodes, LoadedDataset, RerankRequest, Split } from '@glorank/data';
import { Rng, type SlateMetrics, slateMetrics, UserError } from '@glorank/data';
import { frozenCopy, loadGloRankCheckpoint } from '../glorank/checkpoint-io.js';
import { GloRankModel } from '../glorank/model.js';
import { type DecodeConfig, GloRankReranker } from '../glorank/reranker.js';
import type { TrainLogger } from '../methods/reranker.js';
import { ParamStore } from '../nn/params.js';
import type { GloRankTrainConfig } from './config.js';
import { type EvaluatorEnsemble, trainEvaluator } from './evaluator.js';
import { type GrpoResult, type RewardFunction, trainGrpo } from './grpo.js';
import { DEFAULT_SEARCH_DEMONSTRATIONS, searchDemonstrations } from './search-demonstrations.js';
import { type SftResult, trainSft } from './sft.js';

/** Requests of the given splits. */
export function requestsOf(dataset: LoadedDataset, splits: readonly Split[]): RerankRequest[] {
  return dataset.requests.filter((r) => splits.includes(r.split));
}

/** Checkpointing, budget, progress and checkpoint metadata: the same for the SFT and RL stages. */
function stageRunOptions(
  o: Pick<SftStageOptions, 'dataset' | 'config' | 'out' | 'resume' | 'maxSteps' | 'onStep' | 'meta'>,
  extraMeta: Record<string, unknown> = {},
): {
  checkpointDir?: string;
  resume?: boolean;
  maxSteps?: number;
  onStep?: (done: number, total: number) => void;
  meta: Record<string, unknown>;
} {
  return {
    ...(o.out !== undefined ? { checkpointDir: o.out } : {}),
    ...(o.resume !== undefined ? { resume: o.resume } : {}),
    ...(o.maxSteps !== undefined ? { maxSteps: o.maxSteps } : {}),
    ...(o.onStep !== undefined ? { onStep: o.onStep } : {}),
    meta: {
      ...(o.meta ?? {}),
      dataset: o.dataset.dir,
      datasetHash: o.dataset.manifest.contentHash,
      config: o.config,
      ...extraMeta,
    },
  };
}

/** What the SFT and RL stages both take: data, config, seed, logging and the checkpoint folder. */
interface TrainStageOptions {
  dataset: LoadedDataset;
  config: GloRankTrainConfig;
  seed: number;
  logger: TrainLogger;
  /** Checkpoint folder (written at checkpoints and at the end). */
  out?: string;
  resume?: boolean;
  maxSteps?: number;
  onStep?: (done: number, total: number) => void;
  meta?: Record<string, unknown>;
}

export interface SftStageOptions extends TrainStageOptions {
  codes: ItemCodes;
  /** The learned evaluator's reward: required when config.sft.demonstrations is 'search'. */
  demonstrationReward?: RewardFunction;
  /**
   * Names the evaluator behind demonstrationReward (e.g. its checkpoint folder and checksum):
   * searched demonstrations are then computed once per process for that evaluator, dataset
   * and search setting and shared by every seed and by the local-index ablation.
   */
  demonstrationKey?: string;
}

/** Searched demonstrations by key (see SftStageOptions.demonstrationKey); a few entries at most. */
const searchedCache = new Map<string, Map<number, Int32Array>>();
const SEARCHED_CACHE_SIZE = 4;

/**
 * Demonstration function for SFT: undefined for logged demonstrations (the trainer's
 * default); for 'search', the evaluator-picked slate of every training request.
 */
function sftDemonstrations(
  o: SftStageOptions,
  requests: readonly RerankRequest[],
  slateSize: number,
): ((r: RerankRequest) => Int32Array) | undefined {
  const c = o.config.sft;
  if (c.demonstrations !== 'search') return undefined;
  if (o.demonstrationReward === undefined)
    throw new UserError("demonstrations 'search' need a reward model (train one, or use 'logged')", {
      field: 'sft.demonstrations',
    });
  const eligible = requests.filter((r) => r.candidates.length >= slateSize);
  const key =
    o.demonstrationKey === undefined
      ? undefined
      : JSON.stringify([
          o.demonstrationKey,
          o.dataset.manifest.contentHash,
          slateSize,
          c.searchSamples,
          c.searchTemperature,
        ]);
  const cached = key === undefined ? undefined : searchedCache.get(key);
  if (cached !== undefined) {
    o.logger.info?.('SFT demonstrations by evaluator search: reused');
    return lookup(cached);
  }
  // The search seed is fixed: demonstrations belong to the data and the evaluator, and are
  // the same for every training seed (which varies the model's initialisation and batches).
  const found = searchDemonstrations(
    eligible,
    o.demonstrationReward,
    slateSize,
    { ...DEFAULT_SEARCH_DEMONSTRATIONS, samples: c.searchSamples, temperature: c.searchTemperature },
    0,
  );
  const count = (k: string) => found.sources.filter((s) => s === k).length / Math.max(1, eligible.length);
  o.logger.log(0, {
    'sft/demo_reward_chosen': found.chosenReward,
    'sft/demo_reward_logged': found.loggedReward,
    'sft/demo_share_greedy': count('greedy'),
    'sft/demo_share_sample': count('sample'),
    'sft/demo_share_logged': count('logged'),
    'sft/demo_share_initial': count('initial'),
  });
  o.logger.info?.(
    `SFT demonstrations by evaluator search: reward ${found.chosenReward.toFixed(4)} vs logged ${found.loggedReward.toFixed(4)} (greedy ${(100 * count('greedy')).toFixed(0)}%, samples ${(100 * count('sample')).toFixed(0)}%)`,
  );
  const byId = new Map<number, Int32Array>();
  eligible.forEach((r, i) => {
    byId.set(r.id, found.slates[i] as Int32Array);
  });
  if (key !== undefined) {
    if (searchedCache.size >= SEARCHED_CACHE_SIZE)
      searchedCache.delete(searchedCache.keys().next().value as string);
    searchedCache.set(key, byId);
  }
  return lookup(byId);
}

function lookup(byId: ReadonlyMap<number, Int32Array>): (r: RerankRequest) => Int32Array {
  return (r) => {
    const s = byId.get(r.id);
    if (s === undefined) throw new Error(`internal: no searched demonstration for request ${r.id}`);
    return s;
  };
}

/**
 * The untrained GloRank model the SFT stage starts from for `seed`: the dataset's slate size and
 * room for its longest candidate list. Tools that train it their own way (the valid-split epoch
 * curve in experiments/tuning/) start from the same weights.
 */
export function initialGloRankModel(
  o: Pick<SftStageOptions, 'dataset' | 'codes' | 'config' | 'seed'>,
): GloRankModel {
  const maxCandidates = Math.max(
    o.config.model.maxCandidates,
    ...o.dataset.requests.map((r) => r.candidates.length),
  );
  return new GloRankModel(new ParamStore(new Rng(o.seed).fork('init')), o.codes, {
    ...o.config.model,
    slateSize: o.dataset.manifest.protocol.slateSize ?? o.config.model.slateSize,
    maxCandidates,
  });
}

/** Train GloRank (or, with config.model.mode 'local', its local-index ablation) by SFT on the train split. */
export async function trainGloRankSft(
  o: SftStageOptions,
): Promise<{ model: GloRankModel; result: SftResult }> {
  const model = initialGloRankModel(o);
  const requests = requestsOf(o.dataset, ['train']);
  const demonstration = sftDemonstrations(o, requests, model.config.slateSize);
  const result = await trainSft({
    model,
    requests,
    ...(demonstration !== undefined ? { demonstration } : {}),
    config: o.config.sft,
    seed: o.seed,
    logger: o.logger,
    ...stageRunOptions(o),
  });
  return { model, result };
}

export interface RewardModelOptions {
  dataset: LoadedDataset;
  codes: ItemCodes;
  config: GloRankTrainConfig;
  seed: number;
  logger: TrainLogger;
  /** Splits whose logged slates train it (RL reward: train; evaluation simulator: train and valid). */
  splits: readonly Split[];
  onStep?: (done: number, total: number) => void;
}

/**
 * The list-wise evaluator trained on logged slates. With splits [train] it keeps the epoch
 * that best fits the valid split; a simulator trained on [train, valid] runs all epochs.
 */
export function trainRewardModel(o: RewardModelOptions): EvaluatorEnsemble {
  const validation = o.splits.includes('valid') ? [] : requestsOf(o.dataset, ['valid']);
  return trainEvaluator({
    codes: o.codes,
    requests: requestsOf(o.dataset, o.splits),
    validation,
    config: {
      ...o.config.rewardModel,
      slateSize: o.dataset.manifest.protocol.slateSize ?? o.config.rewardModel.slateSize,
    },
    seed: o.seed,
    logger: o.logger,
    ...(o.onStep !== undefined ? { onStep: o.onStep } : {}),
  });
}

export interface RlStageOptions extends TrainStageOptions {
  /** The SFT model, or the folder of its checkpoint. */
  from: GloRankModel | string;
  reward: RewardFunction;
}

/** RL post-training (GRPO) of an SFT model on the train split; the SFT model is the frozen reference. */
export async function trainGloRankRl(
  o: RlStageOptions,
): Promise<{ model: GloRankModel; result: GrpoResult }> {
  const policy = typeof o.from === 'string' ? (await loadGloRankCheckpoint(o.from)).model : o.from;
  const reference = frozenCopy(policy);
  const L = o.dataset.manifest.protocol.slateSize ?? policy.config.slateSize;
  // Checkpoint selection on valid ranking metrics: a fixed subset of valid requests with a
  // positive (the metrics skip the others), drawn once so every check scores the same requests.
  const valid = requestsOf(o.dataset, ['valid']).filter(
    (r) => r.candidates.length >= L && r.labels.some((y) => y > 0),
  );
  const rng = new Rng(o.seed + 7919);
  const probe =
    o.config.rl.validRequests > 0 ? rng.shuffle([...valid]).slice(0, o.config.rl.validRequests) : valid;
  const validate = (model: GloRankModel): number => {
    const slates = new GloRankReranker('glorank-rl', model, o.config.decode).rank(probe, L);
    const m = evaluateSlates('valid', probe, slates, L, null).metrics;
    return m.precision + m.ndcg;
  };
  const result = await trainGrpo({
    policy,
    reference,
    reward: o.reward,
    requests: requestsOf(o.dataset, ['train']),
    config: o.config.rl,
    ...(probe.length > 0 ? { validate } : {}),
    seed: o.seed,
    logger: o.logger,
    ...stageRunOptions(o, typeof o.from === 'string' ? { from: o.from } : {}),
  });
  reference.store.dispose();
  reference.dispose();
  return { model: policy, result };
}

export interface SlateEvaluation {
  split: Split;
  metrics: SlateMetrics;
  /** Mean expected clicks per scored request (P > 0) under the simulator, or null without one. */
  reward: number | null;
  /** The same over cold-start requests (null when there are none). */
  coldStart: { metrics: SlateMetrics; reward: number | null } | null;
}

/** PROTOCOL.md metrics and average reward of given slates (item ids) for `requests`. */
export function evaluateSlates(
  split: Split,
  requests: readonly RerankRequest[],
  slates: readonly Int32Array[],
  slateSize: number,
  simulator: RewardFunction | null,
): SlateEvaluation {
  // PROTOCOL.md: requests without a positive candidate (P = 0) are skipped by every
  // metric, the average reward included.
  const rewardOf = (rs: readonly RerankRequest[], ss: readonly Int32Array[]): number | null => {
    if (simulator === null) return null;
    const keep = rs.flatMap((r, i) => (r.labels.some((y) => y > 0) ? [i] : []));
    if (keep.length === 0) return null;
    const r = simulator(
      keep.map((i) => rs[i] as RerankRequest),
      keep.map((i) => ss[i] as Int32Array),
    );
    let s = 0;
    for (const v of r) s += v;
    return s / r.length;
  };
  const coldIdx = requests.flatMap((r, i) => (r.coldStart ? [i] : []));
  const coldReq = coldIdx.map((i) => requests[i] as RerankRequest);
  const coldSlates = coldIdx.map((i) => slates[i] as Int32Array);
  return {
    split,
    metrics: slateMetrics(requests, slates, slateSize),
    reward: rewardOf(requests, slates),
    coldStart:
      coldIdx.length > 0
        ? { metrics: slateMetrics(coldReq, coldSlates, slateSize), reward: rewardOf(coldReq, coldSlates) }
        : null,
  };
}

/** Rank the requests of `split` with `model` and evaluate the slates. */
export function evaluateGloRank(
  model: GloRankModel,
  dataset: LoadedDataset,
  options: { split: Split; decode: DecodeConfig; simulator: RewardFunction | null; slateSize?: number },
): SlateEvaluation {
  const L = options.slateSize ?? model.config.slateSize;
  const requests = requestsOf(dataset, [options.split]).filter((r) => r.candidates.length >= L);
  const reranker = new GloRankReranker('glorank', model, options.decode);
  return evaluateSlates(options.split, requests, reranker.rank(requests, L), L, options.simulator);
}

/** Candidate indices -> item ids. */
export function slateItems(request: RerankRequest, slate: ArrayLike<number>): Int32Array {
  return Int32Array.from(slate as ArrayLike<number>, (k) => request.candidates[k] as number);
}
