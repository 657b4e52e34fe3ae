// Experiment configuration: one YAML or JSON file names the dataset, protocol, tokenizer,
// methods with their budgets, seeds and evaluation. Validated with zod; every mistake is a
// UserError naming the file, line, field and the value that was expected.
import { type ConfigKind, isUserError, METRIC_KEYS, parseConfigText, readConfigFile } from '@glorank/data';
import { resolveTrainConfig } from '@glorank/model';
import { z } from 'zod';
import { METHOD_NAMES, METHOD_SCHEMAS, methodTrainSections } from './methods.js';
import { posInt } from './schema-helpers.js';

/** Overrides of the request protocol (ARCHITECTURE.md); unset fields keep @glorank/data's defaults. */
const protocolSchema = z
  .strictObject({
    kCore: z.int().min(0),
    historyLength: posInt(),
    slateSize: posInt(),
    candidates: posInt(),
    ratingThreshold: z.number(),
    coldStartQuantile: z.number().gt(0).lte(1),
    retriever: z.enum(['cooccurrence', 'bpr', 'popularity']),
    candidatesMode: z.enum(['sampled', 'top-retriever']),
    trainStride: posInt(),
    coldStartBy: z.enum(['time', 'first-appearance', 'random']),
    coldStartShare: z.number().min(0).lt(1),
    cooccurrenceDamping: z.number().min(0),
    seed: z.int().min(0),
    minHistory: posInt(),
    bprDim: posInt(),
    bprEpochs: posInt(),
  })
  .partial();

const syntheticDataset = z.strictObject({
  source: z.literal('synthetic'),
  name: z.string().min(1).default('synthetic'),
  /**
   * Options of @glorank/data's generateSynthetic (users, items, topics, candidates, slateSize,
   * historyLength, seed ..., and clickModel.<constant>).
   */
  options: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
});

const convertDataset = z.strictObject({
  source: z.literal('convert'),
  name: z.string().min(1),
  /** Reader name of @glorank/data ('ml-100k', 'ml-1m', 'amazon-2014', ...). */
  format: z.string().min(1),
  /** Raw files: absolute, or relative to the data root (--data-root, GLORANK_REAL_DATA, ./datasets/raw). */
  src: z.string().min(1),
  /** Extra converter options (category, column mapping ...). */
  options: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
  /** Shown when `src` is missing: where the user gets the files. */
  missingHint: z.string().optional(),
  protocol: protocolSchema.default({}),
});

const folderDataset = z.strictObject({
  source: z.literal('folder'),
  /** An already converted dataset folder (manifest.json + Arrow files). */
  path: z.string().min(1),
});

const datasetSchema = z.discriminatedUnion('source', [syntheticDataset, convertDataset, folderDataset]);

const tokenizerSchema = z.strictObject({
  levels: posInt().default(3),
  codebook: z.int().min(2).default(256),
  seed: z.int().min(0).default(0),
  /** Further tokenizer options passed through unchanged (sources, dims, balanced ...). */
  options: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
});

const methodObject = z.discriminatedUnion('method', METHOD_SCHEMAS);

// A bare name ("- dnn") is shorthand for the method with its defaults.
const methodSchema = z.preprocess((v) => (typeof v === 'string' ? { method: v } : v), methodObject);

/**
 * The learned list-wise evaluator (RL reward; on real data also the frozen evaluation
 * simulator): its seed and the rewardModel fields of GloRank's training config (dim, layers,
 * epochs ...).
 */
const evaluatorSchema = z.looseObject({ seed: z.int().min(0).default(1000) });
const evaluationSchema = z.strictObject({
  /**
   * Average-reward simulator: the dataset's true click model (synthetic data only), the
   * independent position-based click model `pbm`, a separately trained frozen list-wise
   * `evaluator` (the RL reward model's family: RL can game it, issue 13), or `auto` (click model
   * when the dataset has one, else pbm).
   */
  simulator: z.enum(['auto', 'click-model', 'pbm', 'evaluator']).default('auto'),
  /**
   * The independent simulator of real data (`pbm`, the default there): a position-based click
   * model with a logistic factorization relevance (click-simulator.ts), trained on train+valid.
   */
  clickSimulator: z
    .strictObject({
      dim: posInt(),
      epochs: posInt(),
      learningRate: z.number().gt(0),
      l2: z.number().min(0),
      negatives: z.int().min(0),
      seed: z.int().min(0),
    })
    .partial()
    .default({}),
  /** The frozen evaluation simulator when it is learned (other seed than the RL reward model). */
  simulatorModel: evaluatorSchema.prefault({ seed: 2000 }),
  coldStart: z.boolean().default(true),
  /**
   * Requests every method ranks and is scored on: `test` (the reported result) or `valid`, for
   * choosing a recipe on the valid split only (issue 13). Valid-split stages hash apart from
   * test ones; the table's title and footer name the split.
   */
  split: z.enum(['valid', 'test']).default('test'),
  /** Methods that are baselines for the paired-difference column (default: all but GloRank). */
  baselines: z.array(z.enum(METHOD_NAMES)).optional(),
  /** Metric that picks the best baseline. */
  primaryMetric: z.enum(METRIC_KEYS).default('reward'),
});

export const experimentConfigSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected letters, digits, ".", "_" or "-" (a folder name)'),
    description: z.string().optional(),
    dataset: datasetSchema,
    tokenizer: tokenizerSchema.prefault({}),
    methods: z.array(methodSchema).min(1),
    seeds: z.array(z.int().min(0)).min(1).default([1, 2, 3]),
    /** The RL reward model (GloRank SFT+RL). */
    rewardModel: evaluatorSchema.prefault({}),
    evaluation: evaluationSchema.prefault({}),
    /** Experiment folder; default <runs dir>/experiments/<name>. Relative to the config file. */
    output: z.string().optional(),
  })
  .superRefine((cfg, ctx) => {
    cfg.methods.forEach((m, i) => {
      const sections = methodTrainSections(m);
      if (sections !== null) checkTrainSections(sections, ['methods', i], ctx);
    });
    const { seed: _r, ...reward } = cfg.rewardModel;
    checkTrainSections({ rewardModel: reward }, ['rewardModel'], ctx, true);
    const { seed: _s, ...simulator } = cfg.evaluation.simulatorModel;
    checkTrainSections({ rewardModel: simulator }, ['evaluation', 'simulatorModel'], ctx, true);
    const seen = new Set<string>();
    cfg.methods.forEach((m, i) => {
      if (seen.has(m.method)) {
        ctx.addIssue({
          code: 'custom',
          path: ['methods', i, 'method'],
          message: `method '${m.method}' is listed twice; expected each method once`,
        });
      }
      seen.add(m.method);
    });
    if (new Set(cfg.seeds).size !== cfg.seeds.length) {
      ctx.addIssue({ code: 'custom', path: ['seeds'], message: 'expected distinct seeds' });
    }
  });

/** Report problems resolveTrainConfig finds in GloRank sections as issues at their config path. */
function checkTrainSections(
  sections: Record<string, unknown>,
  at: (string | number)[],
  ctx: z.RefinementCtx,
  flatten = false,
): void {
  const present = Object.fromEntries(Object.entries(sections).filter(([, v]) => v !== undefined));
  try {
    resolveTrainConfig(present, 'experiment');
  } catch (err) {
    if (!isUserError(err)) throw err;
    const field = err.location.field ?? '';
    const keys = field.split('.').filter((k) => k.length > 0 && k !== '(top level)');
    // rewardModel sections sit directly at their path (no extra 'rewardModel' level).
    const rel = flatten ? keys.slice(1) : keys;
    const text = err.message.includes(': ') ? err.message.slice(err.message.indexOf(': ') + 2) : err.message;
    ctx.addIssue({ code: 'custom', path: [...at, ...rel], message: text });
  }
}

export type ExperimentConfig = z.output<typeof experimentConfigSchema>;
export type DatasetConfig = ExperimentConfig['dataset'];
export type TokenizerConfig = ExperimentConfig['tokenizer'];
export type EvaluatorConfig = ExperimentConfig['rewardModel'];
export type ProtocolOverrides = z.output<typeof protocolSchema>;

/** A loaded configuration and where it came from (relative paths resolve against `dir`). */
export interface LoadedExperimentConfig {
  config: ExperimentConfig;
  file: string;
  dir: string;
}

const EXPERIMENT_CONFIG: ConfigKind = {
  name: 'experiment config',
  mapping: 'experiment settings (name, dataset, methods, ...)',
};

/** Parse YAML or JSON text (JSON is YAML) and validate it. */
export function parseExperimentConfig(text: string, file: string): ExperimentConfig {
  return parseConfigText(text, file, experimentConfigSchema, EXPERIMENT_CONFIG);
}

export async function loadExperimentConfig(file: string): Promise<LoadedExperimentConfig> {
  return readConfigFile(file, experimentConfigSchema, EXPERIMENT_CONFIG);
}
