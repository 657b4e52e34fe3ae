// The method registry: every method an experiment config can name, as one entry holding its
// config schema (fields and defaults), whether it counts as a baseline, which upstream stages
// it needs, which GloRank training sections the config check passes to resolveTrainConfig, and
// how it is trained from the shared inputs (dataset, seed, logger, and for GloRank the item
// codes, the reward model and the SFT checkpoint it starts RL from) into a Reranker. The
// config schema, the stage graph, the report and the trainer all read this table.

import path from 'node:path';
import type { LoadedDataset, RerankRequest } from '@glorank/data';
import { itemCodes } from '@glorank/data';
import {
  decodeSlates,
  type FitSummary,
  type GloRankModel,
  GloRankReranker,
  InitialOrderReranker,
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
import { z } from 'zod';
import { learningRate, posInt } from './schema-helpers.js';

export interface MethodNeeds {
  /** Semantic-ID codes from the tokenize stage. */
  codes: boolean;
  /** The learned list-wise evaluator used as the RL reward. */
  rewardModel: boolean;
  /** The GloRank SFT checkpoint of the same seed (RL starts from it). */
  sft: boolean;
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
  sftConfig?: GloRankMethodConfig;
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

interface MethodEntry<S extends z.ZodObject> {
  /** The config entry's fields and defaults (`method` is its literal name). */
  schema: S;
  /** A baseline for the paired-difference column unless the config lists its baselines. */
  baseline: boolean;
  needs(config: z.output<S>): MethodNeeds;
  /** Sections of GloRank's training config the entry carries, checked by resolveTrainConfig. */
  trainSections?(config: z.output<S>): Record<string, unknown>;
  train(config: z.output<S>, inputs: MethodInputs): Promise<TrainedMethod>;
}

const entry = <S extends z.ZodObject>(e: MethodEntry<S>): MethodEntry<S> => e;

const NEEDS_NOTHING: MethodNeeds = { codes: false, rewardModel: false, sft: false };

const trainBudget = {
  epochs: z.int().min(0).default(4),
  batchSize: posInt().default(64),
  learningRate: learningRate().default(3e-3),
  /** Stop after this many updates in total (0: no limit besides epochs). */
  maxSteps: z.int().min(0).default(0),
  /** Model width (embedding and hidden size). */
  dim: posInt().default(32),
};

function fitSummary(fit: FitSummary): Record<string, number> {
  return {
    steps: fit.steps,
    epochs: fit.epochs,
    bestEpoch: fit.bestEpoch,
    bestValidNdcg: fit.bestValidNdcg,
    finalLoss: fit.finalLoss,
  };
}

type ListModelTrainer<O> = (
  ctx: { dataset: LoadedDataset; seed: number; logger: TrainLogger },
  options: O,
) => {
  reranker: Reranker & { save(dir: string): Promise<void>; dispose(): void };
  fit: FitSummary;
};

/** A tfjs list-model baseline trained with its config entry (less `method`) and the slate size. */
function listModel<C extends { method: string }, O>(train: ListModelTrainer<O>) {
  return async (config: C, inputs: MethodInputs): Promise<TrainedMethod> => {
    const { method: _m, ...o } = config;
    const ctx = { dataset: inputs.dataset, seed: inputs.seed, logger: inputs.logger };
    const { reranker, fit } = train(ctx, { ...o, slateSize: inputs.slateSize } as O);
    return {
      reranker,
      summary: fitSummary(fit),
      save: (d) => reranker.save(d),
      dispose: () => reranker.dispose(),
    };
  };
}

// GloRank's own sections (model, sft, rl, decode, rewardModel) are those of its training
// config (training/config.ts) and are validated by it, so both front ends accept the same fields.
const trainSection = () => z.record(z.string(), z.unknown()).optional();
const glorankSftLike = {
  /** GloRankModelConfig fields (dim, heads, hidden, encoderLayers, decoderLayers, historyLength ...). */
  model: trainSection(),
  /** SftConfig fields (epochs, batchSize, learningRate ...). */
  sft: trainSection(),
  /** DecodeConfig fields (decoding: greedy | beam, beamWidth). */
  decode: trainSection(),
  /** Stop SFT after this many updates (0: no limit besides epochs). */
  maxSteps: z.int().min(0).default(0),
};

/** SFT on evaluator-picked demonstrations (sft.demonstrations: search) needs the reward model too. */
function sftNeeds(config: { sft?: Record<string, unknown> | undefined }): MethodNeeds {
  // The local-index ablation shares GloRank's backbone, items embedded from their codes.
  return { codes: true, rewardModel: config.sft?.['demonstrations'] === 'search', sft: false };
}

const glorankLocalSchema = z.strictObject({ method: z.literal('glorank-local'), ...glorankSftLike });
const glorankSftSchema = z.strictObject({ method: z.literal('glorank-sft'), ...glorankSftLike });
const glorankRlSchema = z.strictObject({
  method: z.literal('glorank-rl'),
  /** GrpoConfig fields (steps, batchSize, group, clip, klCoef, innerEpochs ...); SFT is the glorank-sft entry. */
  rl: trainSection(),
  decode: trainSection(),
  /** Stop RL after this many rounds (0: rl.steps). */
  maxSteps: z.int().min(0).default(0),
});
export type GloRankMethodConfig = z.output<
  typeof glorankLocalSchema | typeof glorankSftSchema | typeof glorankRlSchema
>;

const sftSections = (m: { model?: unknown; sft?: unknown; decode?: unknown }) => ({
  model: m.model,
  sft: m.sft,
  decode: m.decode,
});

export const METHODS = {
  initial: entry({
    schema: z.strictObject({ method: z.literal('initial') }),
    baseline: true,
    needs: () => NEEDS_NOTHING,
    train: async () => ({ reranker: new InitialOrderReranker(), summary: {} }),
  }),
  dnn: entry({
    schema: z.strictObject({ method: z.literal('dnn'), ...trainBudget, hidden: posInt().default(64) }),
    baseline: true,
    needs: () => NEEDS_NOTHING,
    train: listModel(trainDnn),
  }),
  dlcm: entry({
    schema: z.strictObject({ method: z.literal('dlcm'), ...trainBudget, hidden: posInt().default(32) }),
    baseline: true,
    needs: () => NEEDS_NOTHING,
    train: listModel(trainDlcm),
  }),
  prm: entry({
    schema: z.strictObject({
      method: z.literal('prm'),
      ...trainBudget,
      heads: posInt().default(2),
      layers: posInt().default(1),
    }),
    baseline: true,
    needs: () => NEEDS_NOTHING,
    train: listModel(trainPrm),
  }),
  seq2slate: entry({
    schema: z.strictObject({ method: z.literal('seq2slate'), ...trainBudget, hidden: posInt().default(32) }),
    baseline: true,
    needs: () => NEEDS_NOTHING,
    train: listModel(trainSeq2Slate),
  }),
  'glorank-local': entry({
    schema: glorankLocalSchema,
    // The ablation is compared like a baseline: the paired column measures GloRank against it.
    baseline: true,
    needs: sftNeeds,
    trainSections: sftSections,
    train: (config, inputs): Promise<TrainedMethod> => trainGloRank(config, inputs),
  }),
  'glorank-sft': entry({
    schema: glorankSftSchema,
    baseline: false,
    needs: sftNeeds,
    trainSections: sftSections,
    train: (config, inputs): Promise<TrainedMethod> => trainGloRank(config, inputs),
  }),
  'glorank-rl': entry({
    schema: glorankRlSchema,
    baseline: false,
    needs: () => ({ codes: true, rewardModel: true, sft: true }),
    trainSections: (m) => ({ rl: m.rl, decode: m.decode }),
    train: (config, inputs): Promise<TrainedMethod> => trainGloRank(config, inputs),
  }),
};

export type MethodName = keyof typeof METHODS;
export type MethodConfig = { [K in MethodName]: z.output<(typeof METHODS)[K]['schema']> }[MethodName];

/** Every method name, in the registry's order. */
export const METHOD_NAMES = Object.keys(METHODS) as [MethodName, ...MethodName[]];

/** The config entry schemas, one per method, for the experiment config's discriminated union. */
export const METHOD_SCHEMAS = [
  METHODS.initial.schema,
  METHODS.dnn.schema,
  METHODS.dlcm.schema,
  METHODS.prm.schema,
  METHODS.seq2slate.schema,
  METHODS['glorank-local'].schema,
  METHODS['glorank-sft'].schema,
  METHODS['glorank-rl'].schema,
] as const;

/** The registry entry of a config entry's method (one cast, here, instead of a switch per use). */
function entryOf(config: MethodConfig): MethodEntry<z.ZodObject> {
  return METHODS[config.method] as unknown as MethodEntry<z.ZodObject>;
}

/** Methods that are GloRank (not baselines) for the paired-difference column. */
export const GLORANK_METHODS: readonly MethodName[] = METHOD_NAMES.filter((m) => !METHODS[m].baseline);

export function methodNeeds(config: MethodConfig): MethodNeeds {
  return entryOf(config).needs(config);
}

/** The GloRank training sections of a config entry that are present. */
export function methodTrainSections(config: MethodConfig): Record<string, unknown> | null {
  const sections = entryOf(config).trainSections?.(config);
  return sections ? Object.fromEntries(Object.entries(sections).filter(([, v]) => v !== undefined)) : null;
}

export function trainMethod(config: MethodConfig, inputs: MethodInputs): Promise<TrainedMethod> {
  return entryOf(config).train(config, inputs);
}

async function trainGloRank(config: GloRankMethodConfig, inputs: MethodInputs): Promise<TrainedMethod> {
  if (!inputs.codesDir) throw new Error(`internal: ${config.method} needs the tokenize stage`);
  const out = path.join(inputs.outDir, CHECKPOINT_DIR);
  const sections = (m: GloRankMethodConfig | undefined): Record<string, unknown> =>
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
        // The reward-model stage folder names the evaluator, so its searched demonstrations
        // (fixed search seed) are computed once per process for every seed and the ablation.
        ...(loaded !== null
          ? {
              demonstrationReward: (rs, ss) => loaded.evaluator.rewards(rs, ss),
              demonstrationKey: inputs.rewardModelDir,
            }
          : {}),
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
