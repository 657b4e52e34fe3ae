// Methods selectable by name in an experiment config: how each one is trained from the
// shared inputs (dataset, seed, logger, and for GloRank the item codes, the reward model and
// the SFT checkpoint it starts RL from) into a Reranker. One registry, so the harness treats
// the baselines and GloRank alike.
import path from 'node:path';
import type { LoadedDataset, RerankRequest } from '@glorank/data';
import {
  decodeSlates,
  type FitSummary,
  type GloRankModel,
  GloRankReranker,
  InitialOrderReranker,
  itemCodes,
  loadEvaluator,
  type Reranker,
  readSemanticIds,
  resolveTrainConfig,
  type TrainLogger,
  tokenProbabilities,
  trainDlcm,
  trainDnn,
  trainGloRankRl,
  trainGloRankSft,
  trainPrm,
  trainSeq2Slate,
} from '@glorank/model';
import type { MethodConfig, MethodName } from './config.js';

/** Methods that are GloRank (not baselines) for the paired-difference column. */
export const GLORANK_METHODS: readonly MethodName[] = ['glorank-sft', 'glorank-rl'];

export interface MethodNeeds {
  /** Semantic-ID codes from the tokenize stage. */
  codes: boolean;
  /** The learned list-wise evaluator used as the RL reward. */
  rewardModel: boolean;
  /** The GloRank SFT checkpoint of the same seed (RL starts from it). */
  sft: boolean;
}

export function methodNeeds(config: MethodConfig): MethodNeeds {
  const method = config.method;
  // SFT on evaluator-picked demonstrations (sft.demonstrations: search) needs the reward model too.
  const searched =
    (method === 'glorank-local' || method === 'glorank-sft') &&
    (config.sft as Record<string, unknown> | undefined)?.['demonstrations'] === 'search';
  return {
    // The local-index ablation shares GloRank's backbone, items embedded from their codes.
    codes: method === 'glorank-local' || method === 'glorank-sft' || method === 'glorank-rl',
    rewardModel: method === 'glorank-rl' || searched,
    sft: method === 'glorank-rl',
  };
}

export interface MethodInputs {
  dataset: LoadedDataset;
  seed: number;
  slateSize: number;
  logger: TrainLogger;
  /** The stage's own (temporary) output folder: checkpoints go to `<outDir>/checkpoint`. */
  outDir: string;
  /** Tokenize stage folder (codes.arrow), when the method needs codes. */
  codesDir?: string;
  /** Reward-model checkpoint folder, when the method needs it. */
  rewardModelDir?: string;
  /** The glorank-sft train stage folder of the same seed, for glorank-rl. */
  sftDir?: string;
  /** The glorank-sft entry of the experiment (its model and sft sections), for glorank-rl. */
  sftConfig?: MethodConfig;
}

/** Where a trained method's checkpoint lives inside its stage folder. */
export const CHECKPOINT_DIR = 'checkpoint';

export interface TrainedMethod {
  reranker: Reranker;
  /** Numbers worth recording about training (steps, best epoch ...). */
  summary: Record<string, number>;
  /** Write the trained weights into `dir` (an nn checkpoint folder). */
  save?(dir: string): Promise<void>;
  /** Ranks `requests` and, per request, slot and code level, the probability of each token emitted (GloRank). */
  rankWithTokenProbs?(
    requests: readonly RerankRequest[],
    slateSize: number,
  ): { slates: Int32Array[]; tokenProbs: number[][][] };
  dispose?(): void;
}

function fitSummary(fit: FitSummary): Record<string, number> {
  return {
    steps: fit.steps,
    epochs: fit.epochs,
    bestEpoch: fit.bestEpoch,
    bestValidNdcg: fit.bestValidNdcg,
    finalLoss: fit.finalLoss,
  };
}

export async function trainMethod(config: MethodConfig, inputs: MethodInputs): Promise<TrainedMethod> {
  const ctx = { dataset: inputs.dataset, seed: inputs.seed, logger: inputs.logger };
  const L = inputs.slateSize;
  switch (config.method) {
    case 'initial':
      return { reranker: new InitialOrderReranker(), summary: {} };
    case 'dnn': {
      const { method: _m, ...o } = config;
      const { reranker, fit } = trainDnn(ctx, { ...o, slateSize: L });
      return {
        reranker,
        summary: fitSummary(fit),
        save: (d) => reranker.save(d),
        dispose: () => reranker.dispose(),
      };
    }
    case 'dlcm': {
      const { method: _m, ...o } = config;
      const { reranker, fit } = trainDlcm(ctx, { ...o, slateSize: L });
      return {
        reranker,
        summary: fitSummary(fit),
        save: (d) => reranker.save(d),
        dispose: () => reranker.dispose(),
      };
    }
    case 'prm': {
      const { method: _m, ...o } = config;
      const { reranker, fit } = trainPrm(ctx, { ...o, slateSize: L });
      return {
        reranker,
        summary: fitSummary(fit),
        save: (d) => reranker.save(d),
        dispose: () => reranker.dispose(),
      };
    }
    case 'seq2slate': {
      const { method: _m, ...o } = config;
      const { reranker, fit } = trainSeq2Slate(ctx, { ...o, slateSize: L });
      return {
        reranker,
        summary: fitSummary(fit),
        save: (d) => reranker.save(d),
        dispose: () => reranker.dispose(),
      };
    }
    case 'glorank-local':
    case 'glorank-sft':
    case 'glorank-rl':
      return trainGloRank(config, inputs);
  }
}

async function trainGloRank(
  config: Extract<MethodConfig, { method: 'glorank-local' | 'glorank-sft' | 'glorank-rl' }>,
  inputs: MethodInputs,
): Promise<TrainedMethod> {
  if (!inputs.codesDir) throw new Error(`internal: ${config.method} needs the tokenize stage`);
  const out = path.join(inputs.outDir, CHECKPOINT_DIR);
  const sections = (m: MethodConfig | undefined): Record<string, unknown> =>
    m && (m.method === 'glorank-sft' || m.method === 'glorank-local')
      ? Object.fromEntries(
          Object.entries({ model: m.model, sft: m.sft, decode: m.decode }).filter(([, v]) => v),
        )
      : {};
  const common = { dataset: inputs.dataset, seed: inputs.seed, logger: inputs.logger, out };
  let model: GloRankModel;
  let summary: Record<string, number>;
  let decode = resolveTrainConfig({}).decode;
  if (config.method === 'glorank-rl') {
    if (!inputs.sftDir || !inputs.rewardModelDir)
      throw new Error('internal: glorank-rl needs its SFT and reward-model stages');
    const train = resolveTrainConfig({
      ...sections(inputs.sftConfig),
      ...(config.rl ? { rl: config.rl } : {}),
      ...(config.decode ? { decode: config.decode } : {}),
    });
    decode = train.decode;
    const { evaluator } = await loadEvaluator(inputs.rewardModelDir);
    try {
      const trained = await trainGloRankRl({
        ...common,
        from: path.join(inputs.sftDir, CHECKPOINT_DIR),
        reward: (requests, slates) => evaluator.rewards(requests, slates),
        config: train,
        ...(config.maxSteps > 0 ? { maxSteps: config.maxSteps } : {}),
        meta: { method: config.method },
      });
      model = trained.model;
      summary = { ...numeric(trained.result) };
    } finally {
      evaluator.dispose();
    }
  } else {
    const ids = await readSemanticIds(inputs.codesDir);
    const train = resolveTrainConfig({
      ...sections(config),
      model: {
        ...((config.model as Record<string, unknown> | undefined) ?? {}),
        mode: config.method === 'glorank-local' ? 'local' : 'global',
      },
    });
    decode = train.decode;
    const loaded =
      train.sft.demonstrations === 'search' && inputs.rewardModelDir !== undefined
        ? await loadEvaluator(inputs.rewardModelDir)
        : null;
    try {
      const trained = await trainGloRankSft({
        ...common,
        codes: itemCodes(ids.codes, ids.levels, ids.codebookSizes),
        config: train,
        ...(config.maxSteps > 0 ? { maxSteps: config.maxSteps } : {}),
        ...(loaded !== null ? { demonstrationReward: (rs, ss) => loaded.evaluator.rewards(rs, ss) } : {}),
        meta: { method: config.method },
      });
      model = trained.model;
      summary = { ...numeric(trained.result) };
    } finally {
      loaded?.evaluator.dispose();
    }
  }
  const reranker = new GloRankReranker(config.method, model, decode);
  return {
    reranker,
    summary,
    rankWithTokenProbs: (requests, slateSize) => {
      const slots = decodeSlates(model, requests, slateSize, decode);
      return {
        slates: slots.map((s, r) =>
          Int32Array.from(s, (k) => (requests[r] as RerankRequest).candidates[k] as number),
        ),
        tokenProbs: tokenProbabilities(model, requests, slots),
      };
    },
    dispose: () => {
      model.store.dispose();
      model.dispose();
    },
  };
}

/** The numeric fields of a trainer's result, for the stage summary. */
function numeric(o: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'number') out[k] = v;
    else if (typeof v === 'boolean') out[k] = v ? 1 : 0;
  }
  return out;
}
