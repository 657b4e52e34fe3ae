// Public API of @glorank/model. Every export is named here; nothing else is importable.

export type { BackendChoice, BackendInfo, BackendName, BackendProbe } from './backend/select-backend.js';
export {
  activeBackend,
  BACKEND_ORDER,
  isBackendChoice,
  probeBackends,
  selectBackend,
} from './backend/select-backend.js';
export { registerWasmSegmentSum } from './backend/wasm-segment-sum.js';
// Baselines and experiments (issue 6).
export type { DlcmOptions } from './baselines/dlcm.js';
export { trainDlcm } from './baselines/dlcm.js';
export type { DnnOptions } from './baselines/dnn.js';
export { trainDnn } from './baselines/dnn.js';
export { InitialOrderReranker } from './baselines/initial-order.js';
export type { FitSummary } from './baselines/list-model.js';
export { ListModelReranker } from './baselines/list-model.js';
export type { PrmOptions } from './baselines/prm.js';
export { trainPrm } from './baselines/prm.js';
export type { Seq2SlateOptions } from './baselines/seq2slate.js';
export { trainSeq2Slate } from './baselines/seq2slate.js';
export { codeVersion } from './experiment/code-version.js';
export type {
  DatasetConfig,
  ExperimentConfig,
  LoadedExperimentConfig,
  MethodConfig,
  MethodName,
} from './experiment/config.js';
export {
  experimentConfigSchema,
  loadExperimentConfig,
  METHOD_NAMES,
  parseExperimentConfig,
} from './experiment/config.js';
export type { MethodInputs, TrainedMethod } from './experiment/methods.js';
export { GLORANK_METHODS, trainMethod } from './experiment/methods.js';
export { renderResultsMarkdown, resultsToArrow, resultsToJson } from './experiment/results-render.js';
export type {
  MethodRow,
  MetricKey,
  ResultsTable,
  RunEvaluation,
  TableContext,
} from './experiment/results-table.js';
export { buildResultsTable, METRIC_KEYS } from './experiment/results-table.js';
export type { RewardSimulator, RunEvaluationResult } from './experiment/run-evaluation.js';
export { evaluateRun } from './experiment/run-evaluation.js';
export type {
  ArtifactKind,
  ExperimentEvent,
  ExperimentResult,
  RunExperimentOptions,
  RunTracker,
  SlateRow,
  SlatesFile,
  TrackedRun,
  TrackedRunInfo,
} from './experiment/runner.js';
export { experimentDirOf, runExperiment, SLATES_FORMAT } from './experiment/runner.js';
export type { StageRecord, StageSpec } from './experiment/stage-store.js';
export { StageStore, stageHash } from './experiment/stage-store.js';
export type { Reranker, TrainContext, TrainLogger } from './methods/reranker.js';
export { silentLogger } from './methods/reranker.js';
export type { MeanInterval } from './metrics/intervals.js';
export { meanInterval, pairedDifference, studentT975 } from './metrics/intervals.js';
export type { RequestMetrics, SlateMetrics } from './metrics/slate-metrics.js';
export { requestMetrics, slateMetrics } from './metrics/slate-metrics.js';
export type { DistanceKernelName } from './tokenizer/blocked-distance.js';
export { activeDistanceKernel, useDistanceKernel } from './tokenizer/blocked-distance.js';
export type { CodebooksOnDisk, CodesOnDisk } from './tokenizer/codes-io.js';
export { readCodebooks, readSemanticIds, TOKENIZER_FILES, writeTokenizerOutputs } from './tokenizer/codes-io.js';
export type { TokenizerInput } from './tokenizer/collaborative-vectors.js';
export { trainingInteractions } from './tokenizer/collaborative-vectors.js';
export type { KMeansOptions, KMeansResult } from './tokenizer/kmeans.js';
export { kmeans, kmeansPlusPlus } from './tokenizer/kmeans.js';
export type { Matrix } from './tokenizer/matrix.js';
export type {
  QuantiserLevel,
  ResidualQuantiser,
  ResidualQuantiserOptions,
} from './tokenizer/residual-quantiser.js';
export { encodeResidual, trainResidualQuantiser } from './tokenizer/residual-quantiser.js';
export type { DisambiguationMode, SemanticIds } from './tokenizer/semantic-ids.js';
export { assignSemanticIds } from './tokenizer/semantic-ids.js';
export type { TokenizeOptions, TokenizeResult, TokenizerSource } from './tokenizer/tokenize-dataset.js';
export { TOKENIZER_SOURCES, tokenizeDataset, tokenizeDatasetDir } from './tokenizer/tokenize-dataset.js';
export type { LevelReport, TokenizerReport } from './tokenizer/tokenizer-report.js';
