// The experiment runner: dataset -> tokenize -> train(method, seed) -> eval -> report, each
// stage content-hashed in the experiment folder (stage-store.ts) so a re-run reuses what
// finished and a killed run resumes where it stopped. Training is logged through a tracker
// the caller passes in (the CLI wires @glorank/tracking; this package never imports it).
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  buildDirAtomic,
  convertDataset,
  type DatasetManifest,
  generateSynthetic,
  INTERACTION_COLUMNS,
  ITEM_COLUMNS,
  isSourceFormat,
  loadClickModel,
  REQUEST_COLUMNS,
  readDataset,
  readManifest,
  SOURCE_FORMATS,
  type SourceOptions,
  type Split,
  SYNTHETIC_DEFAULTS,
  type SyntheticOptions,
  USER_COLUMNS,
  UserError,
  writeDataset,
  writeFileAtomic,
} from '@glorank/data';
import { type BackendChoice, selectBackend } from '../backend/select-backend.js';
import { type ItemCodes, itemCodes } from '../glorank/item-codes.js';
import { silentLogger, type TrainLogger } from '../methods/reranker.js';
import { readSemanticIds, TOKENIZER_FILES, writeTokenizerOutputs } from '../tokenizer/codes-io.js';
import { type TokenizeOptions, tokenizeDataset } from '../tokenizer/tokenize-dataset.js';
import { resolveTrainConfig } from '../training/config.js';
import { loadEvaluator, saveEvaluator } from '../training/evaluator.js';
import { trainRewardModel } from '../training/pipeline.js';
import { codeVersion as readCodeVersion } from './code-version.js';
import type { DatasetConfig, ExperimentConfig, MethodConfig, MethodName } from './config.js';
import { acquireExperimentLock } from './experiment-lock.js';
import { CHECKPOINT_DIR, GLORANK_METHODS, methodNeeds, trainMethod } from './methods.js';
import { renderResultsMarkdown, resultsToArrow, resultsToJson } from './results-render.js';
import {
  buildResultsTable,
  METRIC_KEYS,
  type MetricKey,
  type ResultsTable,
  type RunEvaluation,
} from './results-table.js';
import { evaluateRun, type RewardSimulator, type RunEvaluationResult } from './run-evaluation.js';
import { contentHash, type StageRecord, StageStore } from './stage-store.js';

/** The slates artifact format the dashboard's request inspector reads (packages/api). */
export const SLATES_FORMAT = 'glorank-slates/1';

export interface SlateRow {
  requestId: number;
  method: string;
  seed: number;
  slate: number[];
  tokenProbs?: number[][];
}

export interface SlatesFile {
  format: typeof SLATES_FORMAT;
  dataset: string;
  slateSize: number;
  rows: SlateRow[];
}

/** What the tracker is told about a run it should record (one per method and seed). */
export interface TrackedRunInfo {
  experiment: string;
  name: string;
  config: unknown;
  params: Record<string, string | number | boolean>;
  tags: string[];
  datasetHash: string;
  backend: string;
  codeVersion: string;
}

export type ArtifactKind = 'checkpoint' | 'eval-table' | 'config' | 'report' | 'dataset' | 'other';

export interface TrackedRun {
  logger: TrainLogger;
  artifact(file: string, kind: ArtifactKind): Promise<void>;
  finish(): Promise<void>;
  fail(error: unknown): Promise<void>;
}

export type RunTracker = (info: TrackedRunInfo) => Promise<TrackedRun>;

export type ExperimentEvent =
  | {
      type: 'stage';
      status: 'start' | 'done' | 'reused';
      kind: string;
      label: string;
      index: number;
      total: number;
      wallSeconds?: number;
    }
  | { type: 'info'; message: string };

export interface RunExperimentOptions {
  config: ExperimentConfig;
  /** Folder relative dataset paths resolve against (the config file's folder). */
  configDir: string;
  experimentDir: string;
  /** Where `convert` sources are looked up (flag, GLORANK_REAL_DATA, ./datasets/raw). */
  dataRoot: string;
  /** Datasets folder the dashboard reads; the experiment's dataset is published there. */
  datasetsDir?: string | null;
  backend?: BackendChoice;
  tracker?: RunTracker;
  onEvent?: (event: ExperimentEvent) => void;
  codeVersion?: string;
  /** Run every stage again, ignoring (and replacing) finished ones, e.g. after changing code. */
  fresh?: boolean;
}

export interface ExperimentResult {
  dir: string;
  dataset: { name: string; dir: string; contentHash: string; publishedDir: string | null };
  backend: string;
  tables: { test: ResultsTable; coldStart: ResultsTable | null };
  markdown: string;
  files: Record<
    'markdown' | 'json' | 'arrow' | 'coldMarkdown' | 'coldJson' | 'coldArrow' | 'slates',
    string | null
  >;
  stages: { run: number; reused: number };
}

/** Default experiment folder: the config's `output` (relative to the config) or <runsDir>/experiments/<name>. */
export function experimentDirOf(config: ExperimentConfig, configDir: string, runsDir: string): string {
  return config.output
    ? path.resolve(configDir, config.output)
    : path.join(runsDir, 'experiments', config.name);
}

const SYNTHETIC_KEYS = new Set(Object.keys(SYNTHETIC_DEFAULTS).concat(['name']));

function syntheticOptions(d: Extract<DatasetConfig, { source: 'synthetic' }>): SyntheticOptions {
  const out: Record<string, unknown> = {};
  const clickModel: Record<string, number> = {};
  for (const [key, value] of Object.entries(d.options)) {
    if (key.startsWith('clickModel.')) {
      const sub = key.slice('clickModel.'.length);
      if (!(sub in SYNTHETIC_DEFAULTS.clickModel) || typeof value !== 'number') {
        throw new UserError(
          `expected a number for one of clickModel.${Object.keys(SYNTHETIC_DEFAULTS.clickModel).join(', clickModel.')}`,
          { field: `dataset.options.${key}` },
        );
      }
      clickModel[sub] = value;
      continue;
    }
    if (!SYNTHETIC_KEYS.has(key) || key === 'clickModel') {
      throw new UserError(
        `unknown synthetic option; expected one of ${[...SYNTHETIC_KEYS].filter((k) => k !== 'clickModel').join(', ')} or clickModel.<name>`,
        { field: `dataset.options.${key}` },
      );
    }
    const def = (SYNTHETIC_DEFAULTS as Record<string, unknown>)[key];
    if (def !== undefined && typeof def !== typeof value) {
      throw new UserError(`expected a ${typeof def}, got ${JSON.stringify(value)}`, {
        field: `dataset.options.${key}`,
      });
    }
    out[key] = value;
  }
  return {
    ...out,
    name: d.name,
    ...(Object.keys(clickModel).length > 0 ? { clickModel } : {}),
  } as SyntheticOptions;
}

/** Copy the dataset into the dashboard's datasets folder (unless an equal copy is there). */
async function publishDataset(src: string, manifest: DatasetManifest, datasetsDir: string): Promise<string> {
  const candidates = [manifest.name, `${manifest.name}-${manifest.contentHash.slice(0, 12)}`];
  for (const name of candidates) {
    const target = path.join(datasetsDir, name);
    if (path.resolve(target) === path.resolve(src)) return target;
    if (existsSync(path.join(target, 'manifest.json'))) {
      const there = await readManifest(target).catch(() => null);
      if (there?.contentHash === manifest.contentHash) return target;
      continue;
    }
    await buildDirAtomic(target, (tmp) => cp(src, tmp, { recursive: true }), { force: true });
    return target;
  }
  return src;
}

interface RunKey {
  method: MethodName;
  seed: number;
}

export async function runExperiment(options: RunExperimentOptions): Promise<ExperimentResult> {
  const { config } = options;
  const emit = options.onEvent ?? (() => undefined);
  const dir = options.experimentDir;
  const lock = await acquireExperimentLock(await ensureDir(dir));
  try {
    const store = new StageStore(path.join(dir, 'stages'));
    const debris = await store.removeDebris();
    if (debris > 0)
      emit({ type: 'info', message: `removed ${debris} unfinished stage folder(s) of an earlier run` });
    const backend = await selectBackend(options.backend ?? 'auto');
    const version = options.codeVersion ?? readCodeVersion();
    await writeFileAtomic(path.join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);

    // The plan: which stages exist, so progress can say "stage 7 of 30".
    const listed = config.methods.map((m) => m.method);
    const trainOrder: MethodName[] = [...listed];
    if (listed.includes('glorank-rl') && !listed.includes('glorank-sft')) trainOrder.unshift('glorank-sft');
    const needs = trainOrder.map(methodNeeds);
    const hasClickModel = (dir: string) => existsSync(path.join(dir, 'click_model.json'));
    const needReward = needs.some((n) => n.rewardModel);
    // The simulator kind is known once the dataset is (auto: click model when it has one).
    // Until the dataset is read, guess from the source: only synthetic data has a click model.
    let simulatorKind: 'click-model' | 'evaluator' | null =
      config.evaluation.simulator !== 'auto'
        ? config.evaluation.simulator
        : config.dataset.source === 'synthetic'
          ? 'click-model'
          : config.dataset.source === 'convert'
            ? 'evaluator'
            : null;
    const total = () =>
      1 +
      (needs.some((n) => n.codes) || simulatorKind === 'evaluator' ? 1 : 0) +
      (simulatorKind === 'evaluator' ? 1 : 0) +
      (needReward ? 1 : 0) +
      trainOrder.length * config.seeds.length +
      listed.length * config.seeds.length;
    let index = 0;
    let ran = 0;
    let reused = 0;
    const runStage = async <S>(
      spec: Parameters<StageStore['run']>[0] & { run(dir: string): Promise<S> },
    ): Promise<StageRecord<S>> => {
      index++;
      const finished = options.fresh ? null : await store.finished<S>(spec);
      if (finished) {
        reused++;
        emit({
          type: 'stage',
          status: 'reused',
          kind: spec.kind,
          label: spec.label,
          index,
          total: total(),
          wallSeconds: finished.wallSeconds,
        });
        return finished;
      }
      emit({ type: 'stage', status: 'start', kind: spec.kind, label: spec.label, index, total: total() });
      const rec = await store.run<S>(spec as never, { fresh: options.fresh === true });
      ran++;
      emit({
        type: 'stage',
        status: 'done',
        kind: spec.kind,
        label: spec.label,
        index,
        total: total(),
        wallSeconds: rec.wallSeconds,
      });
      return rec;
    };

    // 1. Dataset.
    const { datasetDir, manifest } = await datasetStage(config.dataset, options, runStage);
    const datasetHash = manifest.contentHash;
    const dataset = await readDataset(datasetDir);
    const publishedDir = options.datasetsDir
      ? await publishDataset(datasetDir, manifest, options.datasetsDir)
      : null;
    const L = manifest.protocol.slateSize;
    const test = dataset.requests.filter((r) => r.split === 'test');
    if (test.length === 0) throw new UserError('the dataset has no test requests', { file: datasetDir });

    const wanted = config.evaluation.simulator;
    simulatorKind = wanted === 'auto' ? (hasClickModel(datasetDir) ? 'click-model' : 'evaluator') : wanted;
    if (simulatorKind === 'click-model' && !hasClickModel(datasetDir)) {
      throw new UserError(
        'the dataset has no true click model (only synthetic data does); use simulator: evaluator',
        {
          field: 'evaluation.simulator',
        },
      );
    }

    // 2. Semantic IDs (GloRank, its ablation, and the learned evaluators).
    let codesHash: string | null = null;
    let codesDir: string | undefined;
    let codes: ItemCodes | null = null;
    if (needs.some((n) => n.codes) || simulatorKind === 'evaluator') {
      const tokenizer = config.tokenizer;
      const tokenizeOptions: TokenizeOptions = {
        ...(tokenizer.options as TokenizeOptions),
        levels: tokenizer.levels,
        codebookSize: tokenizer.codebook,
        seed: tokenizer.seed,
      };
      const rec = await runStage<{ levels: number; codebookSizes: number[]; warnings: string[] }>({
        kind: 'tokenize',
        label: manifest.name,
        config: { ...tokenizer },
        inputs: { dataset: datasetHash },
        run: async (tmp) => {
          const warnings: string[] = [];
          const result = tokenizeDataset(dataset, { ...tokenizeOptions, onWarning: (m) => warnings.push(m) });
          await writeTokenizerOutputs(tmp, result);
          for (const w of warnings) emit({ type: 'info', message: `tokenizer: ${w}` });
          return { levels: result.levels, codebookSizes: result.codebookSizes, warnings };
        },
      });
      codesHash = rec.hash;
      codesDir = rec.dir;
      const ids = await readSemanticIds(rec.dir);
      codes = itemCodes(ids.codes, ids.levels, ids.codebookSizes);
      if (publishedDir) await publishCodes(rec.dir, publishedDir);
    }

    // 3. The evaluation simulator: the true click model, or a frozen evaluator trained with
    // its own seed on train+valid (never the RL reward model).
    let simulator: RewardSimulator;
    if (simulatorKind === 'click-model') {
      const model = await loadClickModel(datasetDir);
      simulator = {
        id: `click-model:${datasetHash}`,
        description: 'the true click model of the synthetic benchmark',
        reward: (requests, slates) =>
          Float64Array.from(requests, (r, i) => model.expectedReward(r, slates[i] as Int32Array)),
      };
    } else {
      const { seed: simSeed, ...section } = config.evaluation.simulatorModel;
      const rec = await runStage<{ sha256: string }>({
        kind: 'simulator',
        label: `evaluator-seed${simSeed}`,
        config: {
          model: section,
          seed: simSeed,
          splits: ['train', 'valid'],
          slateSize: L,
          backend: backend.name,
        },
        inputs: { dataset: datasetHash, codes: codesHash as string },
        run: async (tmp) =>
          evaluatorStage(tmp, {
            codes: codes as ItemCodes,
            section,
            seed: simSeed,
            splits: ['train', 'valid'],
          }),
      });
      const { evaluator } = await loadEvaluator(path.join(rec.dir, CHECKPOINT_DIR));
      simulator = {
        id: `evaluator:${rec.summary.sha256}`,
        description: `a frozen list-wise evaluator (seed ${simSeed}, trained on train+valid, sha256 ${rec.summary.sha256.slice(0, 12)})`,
        reward: (requests, slates) => evaluator.rewards(requests, slates),
        dispose: () => evaluator.dispose(),
      };
    }

    // 4. The RL reward model (trained on the train split; GloRank SFT+RL only).
    let rewardModel: StageRecord<{ sha256: string }> | null = null;
    if (needReward) {
      const { seed: rewardSeed, ...section } = config.rewardModel;
      rewardModel = await runStage<{ sha256: string }>({
        kind: 'reward-model',
        label: `evaluator-seed${rewardSeed}`,
        config: { model: section, seed: rewardSeed, splits: ['train'], slateSize: L, backend: backend.name },
        inputs: { dataset: datasetHash, codes: codesHash as string },
        run: async (tmp) =>
          evaluatorStage(tmp, { codes: codes as ItemCodes, section, seed: rewardSeed, splits: ['train'] }),
      });
    }

    async function evaluatorStage(
      tmp: string,
      o: { codes: ItemCodes; section: Record<string, unknown>; seed: number; splits: Split[] },
    ): Promise<{ sha256: string }> {
      const evaluator = trainRewardModel({
        dataset,
        codes: o.codes,
        config: resolveTrainConfig({ rewardModel: o.section }),
        seed: o.seed,
        logger: silentLogger,
        splits: o.splits,
      });
      try {
        await saveEvaluator(path.join(tmp, CHECKPOINT_DIR), evaluator, { seed: o.seed, splits: o.splits });
      } finally {
        evaluator.dispose();
      }
      const manifestFile = path.join(tmp, CHECKPOINT_DIR, 'manifest.json');
      return { sha256: (JSON.parse(await readFile(manifestFile, 'utf8')) as { sha256: string }).sha256 };
    }

    // 5. Train and evaluate every method with every seed.
    const trainRecords = new Map<string, StageRecord<TrainSummary>>();
    const evaluations: (RunKey & { result: RunEvaluationResult; wallSeconds: number })[] = [];
    const slateRows: SlateRow[] = [];
    try {
      for (const seed of config.seeds) {
        for (const method of trainOrder) {
          const methodConfig = configOf(config, method);
          const need = methodNeeds(method);
          const inputs: Record<string, string> = { dataset: datasetHash };
          if (need.codes && codesHash) inputs['codes'] = codesHash;
          if (need.rewardModel && rewardModel) inputs['rewardModel'] = rewardModel.hash;
          const sft = need.sft ? trainRecords.get(`glorank-sft/${seed}`) : undefined;
          if (need.sft) {
            if (!sft) throw new Error('internal: glorank-sft must train before glorank-rl');
            inputs['sft'] = sft.hash;
          }
          let tracked: TrackedRun | null = null;
          const openRun = async (): Promise<TrackedRun | null> => {
            if (tracked === null && options.tracker && listed.includes(method)) {
              tracked = await options.tracker({
                experiment: config.name,
                name: `${method} seed=${seed}`,
                config: methodConfig,
                params: { method, seed, dataset: manifest.name, slateSize: L, ...flatParams(methodConfig) },
                tags: [`dataset:${manifest.name}`, GLORANK_METHODS.includes(method) ? 'glorank' : 'baseline'],
                datasetHash,
                backend: backend.name,
                codeVersion: version,
              });
            }
            return tracked;
          };
          try {
            const train = await runStage<TrainSummary>({
              kind: 'train',
              label: `${method}-seed${seed}`,
              config: { method: methodConfig, seed, slateSize: L, backend: backend.name },
              inputs,
              run: async (tmp) => {
                const run = await openRun();
                const started = Date.now();
                const trained = await trainMethod(methodConfig, {
                  dataset,
                  seed,
                  slateSize: L,
                  logger: run?.logger ?? silentLogger,
                  outDir: tmp,
                  ...(codesDir ? { codesDir } : {}),
                  ...(rewardModel ? { rewardModelDir: path.join(rewardModel.dir, CHECKPOINT_DIR) } : {}),
                  ...(sft ? { sftDir: sft.dir, sftConfig: configOf(config, 'glorank-sft') } : {}),
                });
                try {
                  const ranked = trained.rankWithTokenProbs
                    ? trained.rankWithTokenProbs(test, L)
                    : { slates: trained.reranker.rank(test, L), tokenProbs: null };
                  const wallSeconds = (Date.now() - started) / 1000;
                  const rows: SlateRow[] = test.map((r, i) => {
                    const row: SlateRow = {
                      requestId: r.id,
                      method,
                      seed,
                      slate: Array.from(ranked.slates[i] as Int32Array),
                    };
                    const probs = ranked.tokenProbs?.[i];
                    if (probs) row.tokenProbs = probs;
                    return row;
                  });
                  const file: SlatesFile = {
                    format: SLATES_FORMAT,
                    dataset: manifest.name,
                    slateSize: L,
                    rows,
                  };
                  await writeFileAtomic(path.join(tmp, 'slates.json'), JSON.stringify(file));
                  if (trained.save) await trained.save(path.join(tmp, CHECKPOINT_DIR));
                  return {
                    wallSeconds,
                    backend: backend.name,
                    training: trained.summary,
                    requests: test.length,
                  };
                } finally {
                  trained.dispose?.();
                }
              },
            });
            trainRecords.set(`${method}/${seed}`, train);
            if (!listed.includes(method)) continue;
            const evaluation = await runStage<RunEvaluationResult>({
              kind: 'eval',
              label: `${method}-seed${seed}`,
              config: { cutoff: L, simulator: simulator.id },
              inputs: { dataset: datasetHash, train: train.hash },
              run: async (tmp) => {
                const slates = await readSlates(path.join(train.dir, 'slates.json'));
                const result = evaluateRun(
                  test,
                  slates.rows.map((r) => Int32Array.from(r.slate)),
                  L,
                  simulator,
                );
                await writeFileAtomic(
                  path.join(tmp, 'eval.json'),
                  `${JSON.stringify(result, nanToNull, 2)}\n`,
                );
                const run = await openRun();
                if (run) {
                  const step = Math.max(0, Math.round(train.summary.training['steps'] ?? 0));
                  run.logger.log(step, metricPoints('test', result.all.metrics, L));
                  if (result.coldStart)
                    run.logger.log(step, metricPoints('cold', result.coldStart.metrics, L));
                  run.logger.log(step, { 'test/wall_seconds': train.summary.wallSeconds });
                  await run.artifact(path.join(train.dir, 'slates.json'), 'eval-table');
                  const checkpoint = path.join(train.dir, CHECKPOINT_DIR, 'manifest.json');
                  if (existsSync(checkpoint)) await run.artifact(checkpoint, 'checkpoint');
                }
                return result;
              },
            });
            evaluations.push({
              method,
              seed,
              result: reviveNaN(evaluation.summary),
              wallSeconds: train.summary.wallSeconds,
            });
            const slates = await readSlates(path.join(train.dir, 'slates.json'));
            slateRows.push(...slates.rows);
            if (tracked !== null) await (tracked as TrackedRun).finish();
          } catch (err) {
            if (tracked !== null) await (tracked as TrackedRun).fail(err).catch(() => undefined);
            throw err;
          }
        }
      }
    } finally {
      simulator.dispose?.();
    }

    // 6. Report.
    const context = {
      experiment: config.name,
      dataset: manifest.name,
      manifestHash: datasetHash,
      protocol: manifest.protocol,
      cutoff: L,
      codeVersion: version,
      simulator: simulator.description,
      seeds: config.seeds,
    };
    const baselines = config.evaluation.baselines ?? listed.filter((m) => !GLORANK_METHODS.includes(m));
    const toRuns = (pick: (r: RunEvaluationResult) => RunEvaluationResult['all'] | null): RunEvaluation[] =>
      evaluations.flatMap((e) => {
        const s = pick(e.result);
        return s
          ? [
              {
                method: e.method,
                seed: e.seed,
                metrics: s.metrics,
                count: s.count,
                skipped: s.skipped,
                wallSeconds: e.wallSeconds,
                backend: backend.name,
              },
            ]
          : [];
      });
    const primaryMetric = config.evaluation.primaryMetric as MetricKey;
    const testTable = buildResultsTable({
      subset: 'test',
      context,
      methods: listed,
      baselines,
      primaryMetric,
      runs: toRuns((r) => r.all),
    });
    const coldRuns = toRuns((r) => r.coldStart);
    const coldTable =
      config.evaluation.coldStart && coldRuns.length > 0
        ? buildResultsTable({
            subset: 'cold-start',
            context,
            methods: listed,
            baselines,
            primaryMetric,
            runs: coldRuns,
          })
        : null;
    const resultsDir = path.join(dir, 'results');
    const files: ExperimentResult['files'] = {
      markdown: path.join(resultsDir, 'results.md'),
      json: path.join(resultsDir, 'results.json'),
      arrow: path.join(resultsDir, 'results.arrow'),
      coldMarkdown: coldTable ? path.join(resultsDir, 'cold-start.md') : null,
      coldJson: coldTable ? path.join(resultsDir, 'cold-start.json') : null,
      coldArrow: coldTable ? path.join(resultsDir, 'cold-start.arrow') : null,
      slates: path.join(resultsDir, 'slates.json'),
    };
    const markdown = [
      renderResultsMarkdown(testTable),
      ...(coldTable ? [renderResultsMarkdown(coldTable)] : []),
    ].join('\n');
    await writeFileAtomic(files.markdown as string, markdown);
    await writeFileAtomic(files.json as string, resultsToJson([testTable]));
    await writeFileAtomic(files.arrow as string, resultsToArrow([testTable]));
    if (coldTable) {
      await writeFileAtomic(files.coldMarkdown as string, renderResultsMarkdown(coldTable));
      await writeFileAtomic(files.coldJson as string, resultsToJson([coldTable]));
      await writeFileAtomic(files.coldArrow as string, resultsToArrow([coldTable]));
    }
    const allSlates: SlatesFile = {
      format: SLATES_FORMAT,
      dataset: manifest.name,
      slateSize: L,
      rows: slateRows,
    };
    await writeFileAtomic(files.slates as string, JSON.stringify(allSlates));
    return {
      dir,
      dataset: { name: manifest.name, dir: datasetDir, contentHash: datasetHash, publishedDir },
      backend: backend.name,
      tables: { test: testTable, coldStart: coldTable },
      markdown,
      files,
      stages: { run: ran, reused },
    };
  } finally {
    await lock.release();
  }
}

interface TrainSummary {
  wallSeconds: number;
  backend: string;
  training: Record<string, number>;
  requests: number;
}

async function ensureDir(dir: string): Promise<string> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  return dir;
}

function configOf(config: ExperimentConfig, method: MethodName): MethodConfig {
  const found = config.methods.find((m) => m.method === method);
  if (found) return found;
  // glorank-rl starts from glorank-sft; when SFT is not listed it trains with its defaults.
  return { method } as MethodConfig;
}

function flatParams(m: MethodConfig): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(m)) {
    if (k === 'method') continue;
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
    else if (v && typeof v === 'object') {
      for (const [k2, v2] of Object.entries(v)) {
        if (typeof v2 === 'number' || typeof v2 === 'string' || typeof v2 === 'boolean')
          out[`${k}.${k2}`] = v2;
      }
    }
  }
  return out;
}

/** Metric keys as the dashboard tabulates them: `<subset>/precision@L` ... and `<subset>/reward`. */
export function metricPoints(
  prefix: string,
  metrics: Record<MetricKey, number>,
  cutoff: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of METRIC_KEYS) {
    const name = k === 'reward' ? k : `${k}@${cutoff}`;
    if (Number.isFinite(metrics[k])) out[`${prefix}/${name}`] = metrics[k];
  }
  return out;
}

function nanToNull(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

function reviveNaN(r: RunEvaluationResult): RunEvaluationResult {
  const fix = (s: RunEvaluationResult['all']) => {
    for (const k of METRIC_KEYS) if (s.metrics[k] === null) s.metrics[k] = Number.NaN;
    return s;
  };
  return { all: fix(r.all), coldStart: r.coldStart ? fix(r.coldStart) : null };
}

async function readSlates(file: string): Promise<SlatesFile> {
  return JSON.parse(await readFile(file, 'utf8')) as SlatesFile;
}

/**
 * What a dataset stage's output depends on besides its config: the Arrow layout of the
 * dataset files (a new or changed column means re-converting), and for synthetic data the
 * generator's defaults (a new option or constant changes the data).
 */
function datasetCodeFingerprint(source: 'synthetic' | 'convert'): string {
  const layout = [ITEM_COLUMNS, USER_COLUMNS, INTERACTION_COLUMNS, REQUEST_COLUMNS].map((cols) =>
    cols.map((c) => `${c.name}:${String(c.type)}:${c.nullable}`),
  );
  return contentHash(source === 'synthetic' ? { layout, defaults: SYNTHETIC_DEFAULTS } : { layout });
}

type StageRunner = <S>(spec: {
  kind: string;
  label: string;
  config: unknown;
  inputs: Record<string, string>;
  run(dir: string): Promise<S>;
}) => Promise<StageRecord<S>>;

async function datasetStage(
  d: DatasetConfig,
  options: RunExperimentOptions,
  runStage: StageRunner,
): Promise<{ datasetDir: string; manifest: DatasetManifest }> {
  if (d.source === 'folder') {
    const datasetDir = path.resolve(options.configDir, d.path);
    return { datasetDir, manifest: await readManifest(datasetDir) };
  }
  if (d.source === 'synthetic') {
    const synthetic = syntheticOptions(d);
    const rec = await runStage<{ contentHash: string }>({
      kind: 'dataset',
      label: d.name,
      config: { source: 'synthetic', options: synthetic },
      inputs: { code: datasetCodeFingerprint('synthetic') },
      run: async (tmp) => {
        const generated = generateSynthetic(synthetic);
        const written = await writeDataset(path.join(tmp, 'dataset'), generated);
        return { contentHash: written.contentHash };
      },
    });
    const datasetDir = path.join(rec.dir, 'dataset');
    return { datasetDir, manifest: await readManifest(datasetDir) };
  }
  if (!isSourceFormat(d.format)) {
    throw new UserError(`unknown format '${d.format}'; expected one of ${SOURCE_FORMATS.join(', ')}`, {
      field: 'dataset.format',
    });
  }
  const format = d.format;
  const src = path.isAbsolute(d.src) ? d.src : path.resolve(options.dataRoot, d.src);
  if (!existsSync(src)) {
    throw new UserError(
      `the raw files of '${d.name}' are not at ${src}. ${d.missingHint ?? ''} ` +
        'Point --data-root (or GLORANK_REAL_DATA) at the folder that holds them.',
      { field: 'dataset.src' },
    );
  }
  const sourceOptions = converterOptions(d.options);
  const rec = await runStage<{ contentHash: string }>({
    kind: 'dataset',
    label: d.name,
    // The raw files enter the hash by name, size and modification time (hashing gigabytes of
    // Amazon reviews on every run would cost more than the conversion check saves).
    config: { source: 'convert', format, name: d.name, protocol: d.protocol, options: d.options },
    inputs: { src: await fingerprint(src), code: datasetCodeFingerprint('convert') },
    run: async (tmp) => {
      const written = await convertDataset({
        ...sourceOptions,
        format,
        src,
        out: path.join(tmp, 'dataset'),
        name: d.name,
        protocol: d.protocol,
      });
      return { contentHash: written.contentHash };
    },
  });
  const datasetDir = path.join(rec.dir, 'dataset');
  return { datasetDir, manifest: await readManifest(datasetDir) };
}

/** Flat converter options of the config ("columns.user": "userId" ...) as SourceOptions. */
function converterOptions(raw: Record<string, string | number | boolean>): SourceOptions {
  const out: Record<string, unknown> = {};
  const columns: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith('columns.')) columns[key.slice('columns.'.length)] = String(value);
    else out[key] = value;
  }
  if (Object.keys(columns).length > 0) out['columns'] = columns;
  return out as SourceOptions;
}

/** sha256 over the relative path, size and mtime of every file under `src`. */
async function fingerprint(src: string): Promise<string> {
  const entries: string[] = [];
  const walk = async (p: string): Promise<void> => {
    const st = await stat(p);
    if (st.isDirectory()) {
      for (const name of (await readdir(p)).sort()) await walk(path.join(p, name));
    } else {
      entries.push(`${path.relative(src, p)}\0${st.size}\0${Math.round(st.mtimeMs)}`);
    }
  };
  await walk(src);
  return contentHash(entries);
}

/** Put the codes beside the published dataset (the dashboard's token explorer reads them there). */
async function publishCodes(codesDir: string, publishedDir: string): Promise<void> {
  if (existsSync(path.join(publishedDir, TOKENIZER_FILES.codes))) return;
  // Codes last: a reader that sees codes.arrow also sees its codebooks and report.
  for (const f of [TOKENIZER_FILES.codebooks, TOKENIZER_FILES.report, TOKENIZER_FILES.codes]) {
    if (existsSync(path.join(codesDir, f))) {
      await writeFileAtomic(path.join(publishedDir, f), await readFile(path.join(codesDir, f)));
    }
  }
}
