// The experiment runner: dataset -> tokenize -> train(method, seed) -> eval -> report, each
// stage content-hashed in the experiment folder (stage-store.ts) so a re-run reuses what
// finished and a killed run resumes where it stopped. Training is logged through a tracker
// the caller passes in (the CLI passes storeTracker over @glorank/tracking; tests pass none).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  leakAudit,
  loadClickModel,
  loggedSlateStats,
  METRIC_KEYS,
  readDataset,
  readSlates,
  SLATES_FORMAT,
  type SlateRow,
  type Split,
  simulatorWarning,
  UserError,
  writeFileAtomic,
} from '@glorank/data';
import {
  type BackendChoice,
  type ItemCodes,
  itemCodes,
  readSemanticIds,
  selectBackend,
  silentLogger,
  type TokenizeOptions,
  tokenizeDataset,
  writeTokenizerOutputs,
} from '@glorank/model';
import { codeVersion as readCodeVersion } from './code-version.js';
import type { ExperimentConfig } from './config.js';
import { datasetStage, publishCodes, publishDataset } from './dataset-stage.js';
import { clickModelSimulator, frozenEvaluatorSimulator, trainEvaluatorInto } from './evaluator-stages.js';
import { acquireExperimentLock } from './experiment-lock.js';
import {
  evaluateAndRecord,
  type MethodScope,
  SLATES_FILE,
  type TrainSummary,
  trainAndRank,
} from './method-stages.js';
import {
  CHECKPOINT_DIR,
  GLORANK_METHODS,
  type GloRankMethodConfig,
  type MethodConfig,
  type MethodName,
  methodNeeds,
} from './methods.js';
import { type ReportFiles, writeReport } from './report.js';
import type { ResultsTable } from './results-table.js';
import type { RewardSimulator, RunEvaluationResult } from './run-evaluation.js';
import { type StageRecord, StageStore } from './stage-store.js';
import { flatParams, type RunTracker, type TrackedRun } from './tracker.js';

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
  files: ReportFiles;
  stages: { run: number; reused: number };
}

/** Default experiment folder: the config's `output` (relative to the config) or <runsDir>/experiments/<name>. */
/**
 * The code version a results table names: this run's, plus those of reused stages computed by
 * other code (a cached stage is reused across code changes; `--fresh` recomputes them).
 */
export function codeNote(version: string, otherCode: ReadonlyMap<string, number>): string {
  if (otherCode.size === 0) return version;
  const others = [...otherCode].map(([v, n]) => `${n} by ${v}`).join(', ');
  return `${version}, with reused stages computed by other code (${others}; --fresh recomputes them)`;
}

export function experimentDirOf(config: ExperimentConfig, configDir: string, runsDir: string): string {
  return config.output
    ? path.resolve(configDir, config.output)
    : path.join(runsDir, 'experiments', config.name);
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
    const needs = trainOrder.map((m) => methodNeeds(configOf(config, m)));
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
    // Reused stages computed by other code than this run's: counted per code version.
    const otherCode = new Map<string, number>();
    const runStage = async <S>(
      spec: Parameters<StageStore['run']>[0] & { run(dir: string): Promise<S> },
    ): Promise<StageRecord<S>> => {
      index++;
      const finished = options.fresh ? null : await store.finished<S>(spec);
      if (finished) {
        reused++;
        const by = finished.codeVersion ?? 'unrecorded (an older glorank)';
        if (by !== version) otherCode.set(by, (otherCode.get(by) ?? 0) + 1);
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
      const rec = await store.run<S>(spec as never, { fresh: options.fresh === true, codeVersion: version });
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

    /** A learned list-wise evaluator trained on `splits` (the simulator, the RL reward model). */
    const evaluatorStage = (
      kind: 'simulator' | 'reward-model',
      section: Record<string, unknown>,
      seed: number,
      splits: Split[],
    ): Promise<StageRecord<{ sha256: string }>> =>
      runStage<{ sha256: string }>({
        kind,
        label: `evaluator-seed${seed}`,
        config: { model: section, seed, splits, slateSize: L, backend: backend.name },
        inputs: { dataset: datasetHash, codes: codesHash as string },
        run: async (tmp) =>
          trainEvaluatorInto(tmp, { dataset, codes: codes as ItemCodes, section, seed, splits }),
      });

    // 3. The evaluation simulator: the true click model, or a frozen evaluator trained with
    // its own seed on train+valid (never the RL reward model).
    let simulator: RewardSimulator;
    if (simulatorKind === 'click-model') {
      simulator = clickModelSimulator(await loadClickModel(datasetDir), datasetHash);
    } else {
      const { seed: simSeed, ...section } = config.evaluation.simulatorModel;
      const rec = await evaluatorStage('simulator', section, simSeed, ['train', 'valid']);
      simulator = await frozenEvaluatorSimulator(
        path.join(rec.dir, CHECKPOINT_DIR),
        rec.summary.sha256,
        simSeed,
      );
    }

    // 4. The RL reward model (trained on the train split; GloRank SFT+RL only).
    let rewardModel: StageRecord<{ sha256: string }> | null = null;
    if (needReward) {
      const { seed: rewardSeed, ...section } = config.rewardModel;
      rewardModel = await evaluatorStage('reward-model', section, rewardSeed, ['train']);
    }

    // 5. Train and evaluate every method with every seed.
    const scope: MethodScope = { test, slateSize: L, datasetName: manifest.name, backend: backend.name };
    const trainRecords = new Map<string, StageRecord<TrainSummary>>();
    const evaluations: (RunKey & { result: RunEvaluationResult; wallSeconds: number })[] = [];
    const slateRows: SlateRow[] = [];
    try {
      for (const seed of config.seeds) {
        for (const method of trainOrder) {
          const methodConfig = configOf(config, method);
          const need = methodNeeds(methodConfig);
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
                return trainAndRank(tmp, scope, methodConfig, seed, {
                  dataset,
                  seed,
                  slateSize: L,
                  logger: run?.logger ?? silentLogger,
                  outDir: tmp,
                  ...(codesDir ? { codesDir } : {}),
                  ...(rewardModel ? { rewardModelDir: path.join(rewardModel.dir, CHECKPOINT_DIR) } : {}),
                  ...(sft
                    ? { sftDir: sft.dir, sftConfig: configOf(config, 'glorank-sft') as GloRankMethodConfig }
                    : {}),
                });
              },
            });
            trainRecords.set(`${method}/${seed}`, train);
            if (!listed.includes(method)) continue;
            const evaluation = await runStage<RunEvaluationResult>({
              kind: 'eval',
              label: `${method}-seed${seed}`,
              // protocol 2: the average reward skips P = 0 requests like the other metrics.
              config: { cutoff: L, simulator: simulator.id, protocol: 2 },
              inputs: { dataset: datasetHash, train: train.hash },
              run: async (tmp) => evaluateAndRecord(tmp, scope, train, simulator, await openRun()),
            });
            evaluations.push({
              method,
              seed,
              result: reviveNaN(evaluation.summary),
              wallSeconds: train.summary.wallSeconds,
            });
            const slates = await readSlates(path.join(train.dir, SLATES_FILE));
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
    if (otherCode.size > 0) {
      const n = [...otherCode.values()].reduce((a, b) => a + b, 0);
      emit({
        type: 'info',
        message: `${n} reused stage(s) were computed by other code than ${version}; run with --fresh to recompute them`,
      });
    }
    const report = await writeReport({
      dir,
      config,
      methods: listed,
      evaluations,
      backend: backend.name,
      context: {
        experiment: config.name,
        dataset: manifest.name,
        manifestHash: datasetHash,
        protocol: manifest.protocol,
        cutoff: L,
        codeVersion: codeNote(version, otherCode),
        simulator: simulator.description,
        seeds: config.seeds,
        leakAudit:
          manifest.leakAudit ??
          leakAudit(dataset.requests, { slateSize: L, popularity: dataset.items.popularity }),
        simulatorWarning:
          simulatorKind === 'evaluator' ? simulatorWarning(loggedSlateStats(dataset.requests)) : null,
      },
      slates: { format: SLATES_FORMAT, dataset: manifest.name, slateSize: L, rows: slateRows },
    });
    return {
      dir,
      dataset: { name: manifest.name, dir: datasetDir, contentHash: datasetHash, publishedDir },
      backend: backend.name,
      ...report,
      stages: { run: ran, reused },
    };
  } finally {
    await lock.release();
  }
}

async function ensureDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}

function configOf(config: ExperimentConfig, method: MethodName): MethodConfig {
  const found = config.methods.find((m) => m.method === method);
  if (found) return found;
  // glorank-rl starts from glorank-sft; when SFT is not listed it trains with its defaults.
  return { method } as MethodConfig;
}

function reviveNaN(r: RunEvaluationResult): RunEvaluationResult {
  const fix = (s: RunEvaluationResult['all']) => {
    for (const k of METRIC_KEYS) if (s.metrics[k] === null) s.metrics[k] = Number.NaN;
    return s;
  };
  return { all: fix(r.all), coldStart: r.coldStart ? fix(r.coldStart) : null };
}
