// Experiment configuration: one YAML or JSON file names the dataset, protocol, tokenizer,
// methods with their budgets, seeds and evaluation. Validated with zod; every mistake is a
// UserError naming the file, line, field and the value that was expected.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isUserError, METRIC_KEYS, UserError } from '@glorank/data';
import { resolveTrainConfig } from '@glorank/model';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
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
   * Average-reward simulator: the dataset's true click model (synthetic data only), a separately
   * trained frozen evaluator, or `auto` (click model when the dataset has one, else evaluator).
   */
  simulator: z.enum(['auto', 'click-model', 'evaluator']).default('auto'),
  /** The frozen evaluation simulator when it is learned (other seed than the RL reward model). */
  simulatorModel: evaluatorSchema.prefault({ seed: 2000 }),
  coldStart: z.boolean().default(true),
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

type PathKey = string | number;

function fieldName(pathKeys: readonly PropertyKey[]): string {
  let out = '';
  for (const k of pathKeys) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out.length > 0 ? `.${String(k)}` : String(k);
  }
  return out.length > 0 ? out : '(top level)';
}

function valueAt(root: unknown, keys: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of keys) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

type SchemaDef = {
  type: string;
  in?: unknown;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  out?: unknown;
  element?: unknown;
  options?: unknown[];
  discriminator?: string;
};
const defOf = (s: unknown): SchemaDef => (s as { _zod: { def: SchemaDef } })._zod.def;

/** Field names allowed at `keys` (for "unknown field" messages), following the raw value through unions. */
function allowedKeys(schema: unknown, raw: unknown, keys: readonly PathKey[]): string[] {
  let s = schema;
  let v = raw;
  let i = 0;
  for (let guard = 0; guard < 64; guard++) {
    const def = defOf(s);
    if (def.type === 'default' || def.type === 'optional' || def.type === 'nullable') s = def.innerType;
    else if (def.type === 'pipe')
      s = def.in !== undefined && defOf(def.in).type !== 'transform' ? def.in : def.out;
    else if (def.type === 'union' && def.options) {
      const d = def.discriminator;
      const tag = d && v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[d] : undefined;
      const match = def.options.find((o) => {
        const shape = defOf(o).shape;
        const lit = shape && d ? (defOf(shape[d]) as { values?: unknown[] }).values : undefined;
        return lit?.includes(tag);
      });
      if (!match) return [];
      s = match;
    } else if (i >= keys.length) return def.shape ? Object.keys(def.shape) : [];
    else if (def.type === 'object' && def.shape) {
      s = def.shape[keys[i] as string];
      v = (v as Record<string, unknown> | undefined)?.[keys[i] as string];
      i++;
      if (s === undefined) return [];
    } else if (def.type === 'array' && def.element) {
      s = def.element;
      v = (v as unknown[] | undefined)?.[keys[i] as number];
      i++;
    } else return [];
  }
  return [];
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Validate a parsed config object. `lineOf` maps a field path to a 1-based line (YAML);
 * the error names the first problem's field and line and lists every problem.
 */
export function validateExperimentConfig(
  raw: unknown,
  file: string,
  lineOf: (keys: readonly PathKey[]) => number | undefined = () => undefined,
): ExperimentConfig {
  const parsed = experimentConfigSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    let keys = issue.path.filter((k): k is PathKey => typeof k === 'string' || typeof k === 'number');
    // An unknown key is reported at its own path, so the line points at the typo.
    if (issue.code === 'unrecognized_keys' && issue.keys.length > 0)
      keys = [...keys, issue.keys[0] as string];
    const got = issue.code === 'unrecognized_keys' ? '' : ` (got ${describeValue(valueAt(raw, keys))})`;
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(experimentConfigSchema, raw, keys.slice(0, -1));
      message = `unknown field${allowed.length > 0 ? `; expected one of ${allowed.join(', ')}` : ''}`;
    }
    return { keys, line: lineOf(keys), text: `${message}${got}` };
  });
  const first = problems[0]!;
  const rest = problems
    .slice(1)
    .map((p) => `; ${fieldName(p.keys)}${p.line ? ` (line ${p.line})` : ''}: ${p.text}`);
  const location: { file: string; field: string; line?: number } = { file, field: fieldName(first.keys) };
  if (first.line !== undefined) location.line = first.line;
  throw new UserError(`${first.text}${rest.join('')}`, location);
}

/** Parse YAML or JSON text (JSON is YAML) and validate it. */
export function parseExperimentConfig(text: string, file: string): ExperimentConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    const location: { file: string; line?: number } = { file };
    if (pos) location.line = pos.line;
    const what = (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '');
    throw new UserError(`not valid YAML/JSON: ${what}`, location);
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UserError('expected a mapping of experiment settings (name, dataset, methods, ...)', { file });
  }
  const lineOf = (keys: readonly PathKey[]): number | undefined => {
    // Walk down to the deepest node that exists, so a missing field points at its parent.
    for (let n = keys.length; n >= 0; n--) {
      const node = keys.length === 0 ? doc.contents : doc.getIn(keys.slice(0, n), true);
      const parent = n > 0 ? doc.getIn(keys.slice(0, n - 1), true) : null;
      let range: readonly number[] | null | undefined;
      if (n > 0 && isMap(parent)) {
        const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === keys[n - 1]);
        range = (pair?.key as { range?: readonly number[] } | null)?.range;
      } else if (n > 0 && isSeq(parent)) {
        range = (node as { range?: readonly number[] } | null)?.range;
      } else if (node && typeof node === 'object') {
        range = (node as { range?: readonly number[] }).range;
      }
      if (range && range.length > 0) return lineCounter.linePos(range[0] as number).line;
    }
    return undefined;
  };
  return validateExperimentConfig(raw, file, lineOf);
}

export async function loadExperimentConfig(file: string): Promise<LoadedExperimentConfig> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT' ? 'experiment config not found' : `cannot read config (${code ?? String(err)})`,
      { file: abs },
    );
  }
  return { config: parseExperimentConfig(text, abs), file: abs, dir: path.dirname(abs) };
}
