// One configuration for GloRank training and evaluation (model, SFT, reward model, RL,
// decoding), read from YAML or JSON and validated with zod. Every section and field is
// optional; defaults are the DEFAULT_* objects. Mistakes are UserErrors naming the file
// and the field.
import { readConfigFile, UserError } from '@glorank/data';
import { z } from 'zod';
import { DEFAULT_MODEL_CONFIG, type GloRankModelConfig } from '../glorank/model.js';
import { DEFAULT_DECODE_CONFIG, type DecodeConfig } from '../glorank/reranker.js';
import { DEFAULT_EVALUATOR_CONFIG, type EvaluatorConfig } from './evaluator.js';
import { DEFAULT_GRPO_CONFIG, type GrpoConfig } from './grpo.js';
import { DEFAULT_SFT_CONFIG, type SftConfig } from './sft.js';

export interface GloRankTrainConfig {
  model: GloRankModelConfig;
  sft: SftConfig;
  rewardModel: EvaluatorConfig;
  rl: GrpoConfig;
  decode: DecodeConfig;
}

export const DEFAULT_TRAIN_CONFIG: GloRankTrainConfig = {
  model: DEFAULT_MODEL_CONFIG,
  sft: DEFAULT_SFT_CONFIG,
  rewardModel: DEFAULT_EVALUATOR_CONFIG,
  rl: DEFAULT_GRPO_CONFIG,
  decode: DEFAULT_DECODE_CONFIG,
};

const pos = () => z.int().min(1);
const rate = () => z.number().gt(0).lte(1);

const schema = z.strictObject({
  model: z
    .strictObject({
      mode: z.enum(['global', 'local']),
      dim: pos(),
      heads: pos(),
      hidden: pos(),
      encoderLayers: z.int().min(0),
      decoderLayers: pos(),
      historyLength: pos(),
      slateSize: pos(),
      maxCandidates: pos(),
      useInitialScores: z.boolean(),
      activation: z.enum(['relu', 'gelu']),
      candidateEvidence: z.boolean(),
    })
    .partial()
    .refine((m) => m.dim === undefined || m.heads === undefined || m.dim % m.heads === 0, {
      message: 'dim must be divisible by heads',
      path: ['dim'],
    }),
  sft: z
    .strictObject({
      epochs: z.int().min(0),
      batchSize: pos(),
      learningRate: rate(),
      weightDecay: z.number().min(0),
      clipNorm: z.number().min(0),
      checkpointEvery: z.int().min(0),
      includeUnlabelled: z.boolean(),
      weighting: z.enum(['uniform', 'clicked', 'ipw']),
      exposureTemperature: z.number().min(0),
      maxWeight: z.number().gt(0),
      demonstrations: z.enum(['logged', 'search']),
      searchSamples: z.int().min(0),
      searchTemperature: z.number().gt(0),
      workers: pos(),
    })
    .partial(),
  rewardModel: z
    .strictObject({
      dim: pos(),
      heads: pos(),
      hidden: pos(),
      layers: z.int().min(0),
      historyLength: pos(),
      slateSize: pos(),
      epochs: z.int().min(0),
      batchSize: pos(),
      learningRate: rate(),
      weightDecay: z.number().min(0),
      useInitialScores: z.boolean(),
      unexposedSwaps: z.number().min(0).max(1),
      ensemble: pos(),
      bootstrap: z.boolean(),
      pessimism: z.number().min(0),
      pairRank: pos(),
    })
    .partial(),
  rl: z
    .strictObject({
      steps: z.int().min(0),
      batchSize: pos(),
      learningRate: rate(),
      group: z.int().min(2),
      clip: z.number().gt(0).lt(1),
      klCoef: z.number().min(0),
      entropyCoef: z.number().min(0),
      innerEpochs: pos(),
      temperature: z.number().gt(0),
      clipNorm: z.number().min(0),
      checkpointEvery: z.int().min(0),
      normalizeStd: z.boolean(),
      workers: pos(),
      validateEvery: z.int().min(0),
      patience: z.int().min(0),
      validRequests: z.int().min(0),
    })
    .partial(),
  decode: z
    .strictObject({ decoding: z.enum(['greedy', 'beam']), beamWidth: pos(), batchSize: pos() })
    .partial(),
});

export type GloRankConfigInput = z.input<typeof schema>;

/** Defaults overlaid with a (partial) configuration object; `source` names it in errors. */
export function resolveTrainConfig(raw: unknown, source = 'config'): GloRankTrainConfig {
  const parsed = schema.partial().safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = (issue?.path ?? []).map(String).join('.') || '(top level)';
    throw new UserError(issue?.message ?? 'invalid configuration', { file: source, field });
  }
  const c = parsed.data;
  return {
    model: { ...DEFAULT_MODEL_CONFIG, ...(c.model ?? {}) },
    sft: { ...DEFAULT_SFT_CONFIG, ...(c.sft ?? {}) },
    rewardModel: { ...DEFAULT_EVALUATOR_CONFIG, ...(c.rewardModel ?? {}) },
    rl: { ...DEFAULT_GRPO_CONFIG, ...(c.rl ?? {}) },
    decode: { ...DEFAULT_DECODE_CONFIG, ...(c.decode ?? {}) },
  };
}

/**
 * Read a YAML or JSON configuration file (the config-file reader every front end uses: errors
 * name file, line and field) and resolve it against the defaults.
 */
export async function loadTrainConfig(file: string): Promise<GloRankTrainConfig> {
  const { config, file: abs } = await readConfigFile(file, schema.partial(), {
    name: 'training config',
    mapping: 'training sections (model, sft, rewardModel, rl, decode)',
  });
  return resolveTrainConfig(config, abs);
}
