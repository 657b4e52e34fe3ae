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
// GloRank: nn building blocks, constrained decoding, the model, SFT, evaluator, GRPO, pipeline.
export type { DecodedSlate, SampleOptions, StepScorer } from './decoding/decode.js';
export { beamDecode, greedyDecode, sampleDecode } from './decoding/decode.js';
export { CandidateTrie, TrieCursor } from './decoding/trie.js';
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
export type { ExperimentEvent, ExperimentResult, RunExperimentOptions } from './experiment/runner.js';
export { experimentDirOf, runExperiment } from './experiment/runner.js';
export type { SlateRow, SlatesFile } from './experiment/slates-file.js';
export { readSlates, SLATES_FORMAT } from './experiment/slates-file.js';
export type { StageRecord, StageSpec } from './experiment/stage-store.js';
export { StageStore, stageHash } from './experiment/stage-store.js';
export type { ArtifactKind, RunTracker, TrackedRun, TrackedRunInfo } from './experiment/tracker.js';
export type { GloRankCheckpointMeta, LoadedGloRank } from './glorank/checkpoint-io.js';
export { frozenCopy, loadGloRankCheckpoint, saveGloRankCheckpoint } from './glorank/checkpoint-io.js';
export { demonstrationSlate, initialSlate } from './glorank/demonstrations.js';
export type { ItemCodes } from './glorank/item-codes.js';
export { candidateCodes, itemCodes } from './glorank/item-codes.js';
export type { GloRankMode, GloRankModelConfig } from './glorank/model.js';
export { DEFAULT_MODEL_CONFIG, GloRankModel } from './glorank/model.js';
export type { DecodeConfig } from './glorank/reranker.js';
export { DEFAULT_DECODE_CONFIG, decodeSlates, GloRankReranker } from './glorank/reranker.js';
export type { Reranker, TrainContext, TrainLogger } from './methods/reranker.js';
export { silentLogger } from './methods/reranker.js';
export type { MeanInterval } from './metrics/intervals.js';
export { meanInterval, pairedDifference, studentT975 } from './metrics/intervals.js';
export type { RequestMetrics, SlateMetrics } from './metrics/slate-metrics.js';
export { requestMetrics, slateMetrics } from './metrics/slate-metrics.js';
export type { AdamOptions } from './nn/adam.js';
export { Adam } from './nn/adam.js';
export { causalMask, lengthMask, MASK_VALUE, MultiHeadAttention, paddingMask } from './nn/attention.js';
export type { Checkpoint, CheckpointMeta } from './nn/checkpoint.js';
export { isCheckpoint, loadCheckpoint, saveCheckpoint } from './nn/checkpoint.js';
export { Dense, Embedding, FeedForward, LayerNorm, layerNorm, matMul2d } from './nn/layers.js';
export type { Init, StoredArray } from './nn/params.js';
export { ParamStore } from './nn/params.js';
export { DecoderBlock, EncoderBlock } from './nn/transformer.js';
export type { DistanceKernelName } from './tokenizer/blocked-distance.js';
export { activeDistanceKernel, useDistanceKernel } from './tokenizer/blocked-distance.js';
export type { CodebooksOnDisk, CodesOnDisk } from './tokenizer/codes-io.js';
export {
  readCodebooks,
  readSemanticIds,
  TOKENIZER_FILES,
  writeTokenizerOutputs,
} from './tokenizer/codes-io.js';
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
export type { GloRankTrainConfig } from './training/config.js';
export { DEFAULT_TRAIN_CONFIG, loadTrainConfig, resolveTrainConfig } from './training/config.js';
export type { EvaluatorConfig as ListwiseEvaluatorConfig } from './training/evaluator.js';
export {
  DEFAULT_EVALUATOR_CONFIG,
  EvaluatorEnsemble,
  evaluatorFit,
  ListwiseEvaluator,
  loadEvaluator,
  saveEvaluator,
  trainEvaluator,
} from './training/evaluator.js';
export type { GrpoConfig, GrpoResult, RewardFunction } from './training/grpo.js';
export { DEFAULT_GRPO_CONFIG, groupAdvantages, trainGrpo } from './training/grpo.js';
export type { SlateEvaluation } from './training/pipeline.js';
export {
  evaluateGloRank,
  evaluateSlates,
  requestsOf,
  trainGloRankRl,
  trainGloRankSft,
  trainRewardModel,
} from './training/pipeline.js';
export type { SftConfig, SftResult } from './training/sft.js';
export { DEFAULT_SFT_CONFIG, trainSft } from './training/sft.js';
