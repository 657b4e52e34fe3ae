// The experiment runner: dataset -> tokenize -> train(method, seed) -> eval -> report, each
// stage content-hashed in the experiment folder (stage-store.ts) so a re-run reuses what
// finished and a killed run resumes where it stopped. Training is logged through a tracker
// the caller passes in (the CLI passes storeTracker over @glorank/tracking; tests pass none).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  type ItemCodes,
  itemCodes,
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
  readSemanticIds,
  selectBackend,
  silentLogger,
  type TokenizeOptions,
  tokenizeDataset,
  writeTokenizerOutputs,
} from '@glorank/model';
import type { SimulatorCalibration } from './click-simulator.js';
import { codeVersion as readCodeVersion } from './code-version.js';
import type { ExperimentConfig } from './config.js';
import { datasetStage, publishCodes, publishDataset } from './dataset-stage.js';
import {
  clickModelSimulator,
  clickSimulatorOf,
  frozenEvaluatorSimulator,
  trainClickSimulatorInto,
  trainEvaluatorInto,
} from './evaluator-stages.js';
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
  /** Stage folder (default <experimentDir>/stages); a queue's shared artifact root is shared by experiments. */
  stageRoot?: string;
  /** Backend name to hash and train with, resolved elsewhere (queue mode: workers run it); skips selectBackend. */
  backendName?: string;
  /** How unfinished stages are computed (default: in this process, StageStore.run). */
  execute?: StageExecutor;
  /** Walk every (method, seed) at once (a queue computes them in parallel); default one after another. */
  concurrent?: boolean;
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

/**
 * Names one stage of an experiment's graph independently of its hash (which depends on
 * upstream outputs): how a queue job tells a worker which stage of the experiment to run.
 */
export type StageAddress =
  | { kind: 'dataset' }
  | { kind: 'tokenize' }
  | { kind: 'simulator' }
  | { kind: 'reward-model' }
  | { kind: 'train'; method: MethodName; seed: number }
  | { kind: 'eval'; method: MethodName; seed: number };

/** A stage as the graph hands it to an executor: its spec (with the code that computes it). */
export type StageRunSpec<S> = Parameters<StageStore['run']>[0] & { run(dir: string): Promise<S> };

/**
 * Computes a stage that is not finished yet and returns its finished record. The local runner
 * runs it in-process (StageStore.run); the queue coordinator enqueues it and waits for a worker;
 * a worker runs only its job's stage and requires every other one to be finished.
 */
export type StageExecutor = <S>(
  spec: StageRunSpec<S>,
  address: StageAddress,
  store: StageStore,
  tracking?: StageTracking,
) => Promise<StageRecord<S>>;

/**
 * The tracked run a train or eval stage logs into (null for other stages or without a
 * tracker), opened on first use: for executors that compute the stage in another process (the
 * queue coordinator records the worker's log into it).
 */
export interface StageTracking {
  run(): Promise<TrackedRun | null>;
}

export interface StageGraphOptions {
  config: ExperimentConfig;
  configDir: string;
  dataRoot: string;
  datasetsDir?: string | null;
  /** The backend name stages are hashed and trained with (a resolved BackendInfo name). */
  backend: string;
  codeVersion: string;
  store: StageStore;
  execute: StageExecutor;
  tracker?: RunTracker;
  onEvent?: (event: ExperimentEvent) => void;
  fresh?: boolean;
}

/**
 * The experiment's stage graph: one memoised getter per stage, each computing its spec from
 * its inputs' records (so the same hashes whoever asks) and handing unfinished stages to the
 * executor. runExperiment walks it whole; a queue worker asks for the one stage of its job.
 */
export class ExperimentGraph {
  readonly listed: MethodName[];
  /** Training order: glorank-sft before glorank-rl even when only RL is listed. */
  readonly trainOrder: MethodName[];
  private readonly needs: ReturnType<typeof methodNeeds>[];
  private readonly needReward: boolean;
  private readonly memo = new Map<string, Promise<unknown>>();
  private readonly tracked = new Map<string, Promise<TrackedRun | null>>();
  private simulatorKind: 'click-model' | 'pbm' | 'evaluator' | null;
  private loadedSimulator: RewardSimulator | null = null;
  private index = 0;
  ran = 0;
  reused = 0;
  /** Reused stages computed by other code than this run's: counted per code version. */
  readonly otherCode = new Map<string, number>();

  constructor(readonly options: StageGraphOptions) {
    const { config } = options;
    this.listed = config.methods.map((m) => m.method);
    this.trainOrder = [...this.listed];
    if (this.listed.includes('glorank-rl') && !this.listed.includes('glorank-sft'))
      this.trainOrder.unshift('glorank-sft');
    this.needs = this.trainOrder.map((m) => methodNeeds(configOf(config, m)));
    this.needReward = this.needs.some((n) => n.rewardModel);
    // The simulator kind is known once the dataset is (auto: click model when it has one).
    // Until the dataset is read, guess from the source: only synthetic data has a click model.
    this.simulatorKind =
      config.evaluation.simulator !== 'auto'
        ? config.evaluation.simulator
        : config.dataset.source === 'synthetic'
          ? 'click-model'
          : config.dataset.source === 'convert'
            ? 'pbm'
            : null;
  }

  /** Planned stage count, so progress can say "stage 7 of 30". */
  total(): number {
    const { config } = this.options;
    return (
      1 +
      (this.needs.some((n) => n.codes) || this.simulatorKind === 'evaluator' ? 1 : 0) +
      (this.simulatorKind === 'evaluator' || this.simulatorKind === 'pbm' ? 1 : 0) +
      (this.needReward ? 1 : 0) +
      this.trainOrder.length * config.seeds.length +
      this.listed.length * config.seeds.length
    );
  }

  private emit(event: ExperimentEvent): void {
    this.options.onEvent?.(event);
  }

  private once<T>(key: string, make: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = make();
      this.memo.set(key, p);
    }
    return p;
  }

  /** Reuse the stage when it finished (unless fresh), else hand it to the executor. */
  private async runStage<S>(spec: StageRunSpec<S>, address: StageAddress): Promise<StageRecord<S>> {
    const { store, fresh, codeVersion: version } = this.options;
    const index = ++this.index;
    const finished = fresh ? null : await store.finished<S>(spec);
    if (finished) {
      this.reused++;
      const by = finished.codeVersion ?? 'unrecorded (an older glorank)';
      if (by !== version) this.otherCode.set(by, (this.otherCode.get(by) ?? 0) + 1);
      this.emit({
        type: 'stage',
        status: 'reused',
        kind: spec.kind,
        label: spec.label,
        index,
        total: this.total(),
        wallSeconds: finished.wallSeconds,
      });
      return finished;
    }
    this.emit({
      type: 'stage',
      status: 'start',
      kind: spec.kind,
      label: spec.label,
      index,
      total: this.total(),
    });
    const rec = await this.options.execute(spec, address, store, { run: () => this.runOf(address) });
    this.ran++;
    this.emit({
      type: 'stage',
      status: 'done',
      kind: spec.kind,
      label: spec.label,
      index,
      total: this.total(),
      wallSeconds: rec.wallSeconds,
    });
    return rec;
  }

  /** 1. The dataset, read, with what the later stages need from it. */
  dataset() {
    return this.once('dataset', async () => {
      const { config } = this.options;
      let stageRecord: StageRecord<unknown> | null = null;
      const { datasetDir, manifest } = await datasetStage(config.dataset, this.options, async (spec) => {
        const rec = await this.runStage(spec, { kind: 'dataset' });
        stageRecord = rec;
        return rec;
      });
      const dataset = await readDataset(datasetDir);
      const publishedDir = this.options.datasetsDir
        ? await publishDataset(datasetDir, manifest, this.options.datasetsDir)
        : null;
      const split = config.evaluation.split;
      const test = dataset.requests.filter((r) => r.split === split);
      if (test.length === 0)
        throw new UserError(`the dataset has no ${split} requests to evaluate (evaluation.split: ${split})`, {
          file: datasetDir,
          field: 'evaluation.split',
        });
      const hasClickModel = existsSync(path.join(datasetDir, 'click_model.json'));
      const wanted = config.evaluation.simulator;
      this.simulatorKind = wanted === 'auto' ? (hasClickModel ? 'click-model' : 'pbm') : wanted;
      if (this.simulatorKind === 'click-model' && !hasClickModel) {
        throw new UserError(
          'the dataset has no true click model (only synthetic data does); use simulator: evaluator',
          { field: 'evaluation.simulator' },
        );
      }
      const scope: MethodScope = {
        test,
        slateSize: manifest.protocol.slateSize,
        datasetName: manifest.name,
        backend: this.options.backend,
        split,
      };
      return {
        datasetDir,
        manifest,
        dataset,
        publishedDir,
        datasetHash: manifest.contentHash,
        L: manifest.protocol.slateSize,
        scope,
        simulatorKind: this.simulatorKind,
        /** Null for a 'folder' dataset (not a stage). */
        stageRecord: stageRecord as StageRecord<unknown> | null,
      };
    });
  }

  /** 2. Semantic IDs (GloRank, its ablation, and the learned evaluators); null when none needs them. */
  codes() {
    return this.once('codes', async () => {
      const { dataset, manifest, datasetHash, publishedDir, simulatorKind } = await this.dataset();
      if (!(this.needs.some((n) => n.codes) || simulatorKind === 'evaluator')) return null;
      const tokenizer = this.options.config.tokenizer;
      const tokenizeOptions: TokenizeOptions = {
        ...(tokenizer.options as TokenizeOptions),
        levels: tokenizer.levels,
        codebookSize: tokenizer.codebook,
        seed: tokenizer.seed,
      };
      const rec = await this.runStage<{ levels: number; codebookSizes: number[]; warnings: string[] }>(
        {
          kind: 'tokenize',
          label: manifest.name,
          config: { ...tokenizer },
          inputs: { dataset: datasetHash },
          run: async (tmp) => {
            const warnings: string[] = [];
            const result = tokenizeDataset(dataset, {
              ...tokenizeOptions,
              onWarning: (m) => warnings.push(m),
            });
            await writeTokenizerOutputs(tmp, result);
            for (const w of warnings) this.emit({ type: 'info', message: `tokenizer: ${w}` });
            return { levels: result.levels, codebookSizes: result.codebookSizes, warnings };
          },
        },
        { kind: 'tokenize' },
      );
      const ids = await readSemanticIds(rec.dir);
      const codes: ItemCodes = itemCodes(ids.codes, ids.levels, ids.codebookSizes);
      if (publishedDir) await publishCodes(rec.dir, publishedDir);
      return { hash: rec.hash, dir: rec.dir, codes };
    });
  }

  /** A learned list-wise evaluator trained on `splits` (the simulator, the RL reward model). */
  private async evaluatorStage(
    kind: 'simulator' | 'reward-model',
    section: Record<string, unknown>,
    seed: number,
    splits: Split[],
  ): Promise<StageRecord<{ sha256: string }>> {
    const { dataset, datasetHash, L } = await this.dataset();
    const codes = await this.codes();
    return this.runStage<{ sha256: string }>(
      {
        kind,
        label: `evaluator-seed${seed}`,
        config: { model: section, seed, splits, slateSize: L, backend: this.options.backend },
        inputs: { dataset: datasetHash, codes: codes?.hash as string },
        run: async (tmp) =>
          trainEvaluatorInto(tmp, { dataset, codes: codes?.codes as ItemCodes, section, seed, splits }),
      },
      { kind },
    );
  }

  /**
   * 3. The evaluation simulator's stage: the independent position-based click model (pbm), or a
   * frozen list-wise evaluator trained with its own seed on train+valid (never the RL reward
   * model); null for the true click model.
   */
  simulatorStage() {
    return this.once(
      'simulator-stage',
      async (): Promise<StageRecord<{ sha256: string; calibration?: SimulatorCalibration }> | null> => {
        const { simulatorKind, dataset, datasetHash, L } = await this.dataset();
        if (simulatorKind === 'click-model') return null;
        if (simulatorKind === 'pbm') {
          const clickConfig = this.options.config.evaluation.clickSimulator;
          return this.runStage(
            {
              kind: 'simulator',
              label: 'pbm',
              config: { model: 'pbm', clickSimulator: clickConfig, slateSize: L, splits: ['train', 'valid'] },
              inputs: { dataset: datasetHash },
              run: async (tmp) =>
                trainClickSimulatorInto(tmp, { dataset, config: clickConfig, slateSize: L }),
            },
            { kind: 'simulator' },
          );
        }
        const { seed, ...section } = this.options.config.evaluation.simulatorModel;
        return this.evaluatorStage('simulator', section, seed, ['train', 'valid']);
      },
    );
  }

  /** The simulator that scores every eval stage (loaded once, disposed by dispose()). */
  simulator() {
    return this.once('simulator', async (): Promise<RewardSimulator> => {
      const { datasetDir, datasetHash } = await this.dataset();
      const rec = await this.simulatorStage();
      const { simulatorKind } = await this.dataset();
      const simulator = !rec
        ? clickModelSimulator(await loadClickModel(datasetDir), datasetHash)
        : simulatorKind === 'pbm'
          ? await clickSimulatorOf(rec.dir, rec.summary.sha256)
          : await frozenEvaluatorSimulator(
              path.join(rec.dir, CHECKPOINT_DIR),
              rec.summary.sha256,
              this.options.config.evaluation.simulatorModel.seed,
            );
      this.loadedSimulator = simulator;
      return simulator;
    });
  }

  /** 4. The RL reward model (trained on the train split; GloRank SFT+RL only). */
  rewardModel() {
    return this.once('reward-model', async () => {
      if (!this.needReward) return null;
      const { seed, ...section } = this.options.config.rewardModel;
      return this.evaluatorStage('reward-model', section, seed, ['train']);
    });
  }

  /** The tracked run of a listed (method, seed), opened once by whichever stage needs it first. */
  private openRun(method: MethodName, seed: number, datasetName: string, datasetHash: string, L: number) {
    const key = `${method}/${seed}`;
    let p = this.tracked.get(key);
    if (!p) {
      const { tracker, config } = this.options;
      if (!tracker || !this.listed.includes(method)) return Promise.resolve(null);
      const methodConfig = configOf(config, method);
      p = tracker({
        experiment: config.name,
        name: `${method} seed=${seed}`,
        config: methodConfig,
        params: { method, seed, dataset: datasetName, slateSize: L, ...flatParams(methodConfig) },
        tags: [`dataset:${datasetName}`, GLORANK_METHODS.includes(method) ? 'glorank' : 'baseline'],
        datasetHash,
        backend: this.options.backend,
        codeVersion: this.options.codeVersion,
      });
      this.tracked.set(key, p);
    }
    return p;
  }

  /** The tracked run a train or eval stage's address belongs to (see StageTracking). */
  private async runOf(address: StageAddress): Promise<TrackedRun | null> {
    if (address.kind !== 'train' && address.kind !== 'eval') return null;
    const { manifest, datasetHash, L } = await this.dataset();
    return this.openRun(address.method, address.seed, manifest.name, datasetHash, L);
  }

  /** Finish (or fail) the tracked run of (method, seed) if a stage opened one. */
  async closeRun(method: MethodName, seed: number, error?: unknown): Promise<void> {
    const run = await this.tracked.get(`${method}/${seed}`)?.catch(() => null);
    if (!run) return;
    if (error === undefined) await run.finish();
    else await run.fail(error).catch(() => undefined);
  }

  /** 5a. Train (method, seed) and rank the evaluated requests (test, or valid for tuning). */
  train(method: MethodName, seed: number): Promise<StageRecord<TrainSummary>> {
    return this.once(`train/${method}/${seed}`, async () => {
      const { config, backend } = this.options;
      const { dataset, datasetHash, L, scope, manifest } = await this.dataset();
      const methodConfig = configOf(config, method);
      const need = methodNeeds(methodConfig);
      const codes = need.codes ? await this.codes() : null;
      const rewardModel = need.rewardModel ? await this.rewardModel() : null;
      const inputs: Record<string, string> = { dataset: datasetHash };
      if (need.codes && codes) inputs['codes'] = codes.hash;
      if (need.rewardModel && rewardModel) inputs['rewardModel'] = rewardModel.hash;
      const sft = need.sft ? await this.train('glorank-sft', seed) : undefined;
      if (sft) inputs['sft'] = sft.hash;
      return this.runStage<TrainSummary>(
        {
          kind: 'train',
          label: `${method}-seed${seed}`,
          // The split joins the hash only when it is not the default, so test stages keep their hashes.
          config: { method: methodConfig, seed, slateSize: L, backend, ...splitKey(scope) },
          inputs,
          run: async (tmp) => {
            const run = await this.openRun(method, seed, manifest.name, datasetHash, L);
            return trainAndRank(tmp, scope, methodConfig, seed, {
              dataset,
              seed,
              slateSize: L,
              logger: run?.logger ?? silentLogger,
              outDir: tmp,
              ...(codes ? { codesDir: codes.dir } : {}),
              ...(rewardModel ? { rewardModelDir: path.join(rewardModel.dir, CHECKPOINT_DIR) } : {}),
              ...(sft
                ? { sftDir: sft.dir, sftConfig: configOf(config, 'glorank-sft') as GloRankMethodConfig }
                : {}),
            });
          },
        },
        { kind: 'train', method, seed },
      );
    });
  }

  /** 5b. Score (method, seed)'s slates under the simulator. */
  evaluate(method: MethodName, seed: number): Promise<StageRecord<RunEvaluationResult>> {
    return this.once(`eval/${method}/${seed}`, async () => {
      const { datasetHash, L, scope, manifest } = await this.dataset();
      const train = await this.train(method, seed);
      const simulator = await this.simulator();
      return this.runStage<RunEvaluationResult>(
        {
          kind: 'eval',
          label: `${method}-seed${seed}`,
          // protocol 2: the average reward skips P = 0 requests like the other metrics.
          config: { cutoff: L, simulator: simulator.id, protocol: 2, ...splitKey(scope) },
          inputs: { dataset: datasetHash, train: train.hash },
          run: async (tmp) =>
            evaluateAndRecord(
              tmp,
              scope,
              train,
              simulator,
              await this.openRun(method, seed, manifest.name, datasetHash, L),
            ),
        },
        { kind: 'eval', method, seed },
      );
    });
  }

  /** The stage an address names (what a queue worker runs); null when the graph has no such stage. */
  async stage(address: StageAddress): Promise<{ hash: string } | null> {
    switch (address.kind) {
      case 'dataset':
        return (await this.dataset()).stageRecord;
      case 'tokenize':
        return this.codes();
      case 'simulator':
        return this.simulatorStage();
      case 'reward-model':
        return this.rewardModel();
      case 'train':
        return this.train(address.method, address.seed);
      case 'eval':
        return this.evaluate(address.method, address.seed);
    }
  }

  dispose(): void {
    this.loadedSimulator?.dispose?.();
    this.loadedSimulator = null;
  }
}

export async function runExperiment(options: RunExperimentOptions): Promise<ExperimentResult> {
  const { config } = options;
  const emit = options.onEvent ?? (() => undefined);
  const dir = options.experimentDir;
  const lock = await acquireExperimentLock(await ensureDir(dir));
  try {
    const store = new StageStore(options.stageRoot ?? path.join(dir, 'stages'));
    // A shared stage root (queue mode) holds other runners' temporary folders: only an
    // experiment's own folder is this runner's to clean.
    if (options.stageRoot === undefined) {
      const debris = await store.removeDebris();
      if (debris > 0)
        emit({ type: 'info', message: `removed ${debris} unfinished stage folder(s) of an earlier run` });
    }
    const backend = options.backendName ?? (await selectBackend(options.backend ?? 'auto')).name;
    const version = options.codeVersion ?? readCodeVersion();
    await writeFileAtomic(path.join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    const fresh = options.fresh === true;
    const graph = new ExperimentGraph({
      config,
      configDir: options.configDir,
      dataRoot: options.dataRoot,
      datasetsDir: options.datasetsDir ?? null,
      backend,
      codeVersion: version,
      store,
      execute:
        options.execute ?? ((spec, _address, s) => s.run(spec as never, { fresh, codeVersion: version })),
      ...(options.tracker ? { tracker: options.tracker } : {}),
      onEvent: emit,
      fresh,
    });

    // Every (method, seed): train it, then (when listed) evaluate it. Locally one after
    // another; on a queue all at once, each waiting only for its own inputs.
    const chain = async (method: MethodName, seed: number) => {
      try {
        await graph.train(method, seed);
        if (!graph.listed.includes(method)) return null;
        const evaluation = await graph.evaluate(method, seed);
        await graph.closeRun(method, seed);
        return evaluation;
      } catch (err) {
        await graph.closeRun(method, seed, err);
        throw err;
      }
    };
    const order: RunKey[] = config.seeds.flatMap((seed) =>
      graph.trainOrder.map((method) => ({ method, seed })),
    );
    const evaluations: (RunKey & { result: RunEvaluationResult; wallSeconds: number })[] = [];
    const slateRows: SlateRow[] = [];
    let simulatorDescription: string;
    // The independent click simulator's calibration on the logged test slates (results footer).
    let calibration: SimulatorCalibration | null = null;
    try {
      const records: (StageRecord<RunEvaluationResult> | null)[] = [];
      if (options.concurrent) {
        records.push(...(await Promise.all(order.map((k) => chain(k.method, k.seed)))));
      } else {
        for (const k of order) records.push(await chain(k.method, k.seed));
      }
      for (const [i, k] of order.entries()) {
        const evaluation = records[i];
        if (!evaluation) continue;
        const train = await graph.train(k.method, k.seed);
        evaluations.push({
          ...k,
          result: reviveNaN(evaluation.summary),
          wallSeconds: train.summary.wallSeconds,
        });
        const slates = await readSlates(path.join(train.dir, SLATES_FILE));
        slateRows.push(...slates.rows);
      }
      simulatorDescription = (await graph.simulator()).description;
      calibration = (await graph.simulatorStage())?.summary.calibration ?? null;
    } finally {
      graph.dispose();
    }
    const { manifest, datasetHash, L, dataset, datasetDir, publishedDir, simulatorKind } =
      await graph.dataset();
    const otherCode = graph.otherCode;

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
      methods: graph.listed,
      evaluations,
      backend,
      context: {
        experiment: config.name,
        dataset: manifest.name,
        manifestHash: datasetHash,
        protocol: manifest.protocol,
        cutoff: L,
        codeVersion: codeNote(version, otherCode),
        simulator: simulatorDescription,
        ...(calibration ? { simulatorCalibration: calibration } : {}),
        seeds: config.seeds,
        split: config.evaluation.split,
        leakAudit:
          manifest.leakAudit ??
          leakAudit(dataset.requests, { slateSize: L, popularity: dataset.items.popularity }),
        simulatorWarning:
          simulatorKind !== 'click-model' ? simulatorWarning(loggedSlateStats(dataset.requests)) : null,
      },
      slates: { format: SLATES_FORMAT, dataset: manifest.name, slateSize: L, rows: slateRows },
    });
    return {
      dir,
      dataset: { name: manifest.name, dir: datasetDir, contentHash: datasetHash, publishedDir },
      backend,
      ...report,
      stages: { run: graph.ran, reused: graph.reused },
    };
  } finally {
    await lock.release();
  }
}

async function ensureDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}

/** The evaluated split as a stage-hash field: absent for test (the hashes stages always had). */
function splitKey(scope: MethodScope): { split?: 'valid' } {
  return scope.split === 'valid' ? { split: 'valid' } : {};
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
