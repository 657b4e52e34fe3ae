// Public API of @glorank/model: what the CLI, @glorank/experiment and the benches import (the
// workspace test keeps this list to names used outside the package). Every export is named
// here; nothing else is importable.

export type { BackendChoice } from './backend/select-backend.js';
export { probeBackends, selectBackend } from './backend/select-backend.js';
export { trainDlcm } from './baselines/dlcm.js';
export { trainDnn } from './baselines/dnn.js';
export { InitialOrderReranker } from './baselines/initial-order.js';
export type { FitSummary } from './baselines/list-model.js';
export { trainPrm } from './baselines/prm.js';
export { trainSeq2Slate } from './baselines/seq2slate.js';
export { frozenCopy, loadGloRankCheckpoint } from './glorank/checkpoint-io.js';
export { initialSlate } from './glorank/demonstrations.js';
export { DEFAULT_MODEL_CONFIG, GloRankModel } from './glorank/model.js';
export { decodeSlates, GloRankReranker } from './glorank/reranker.js';
export { tokenProbabilities } from './glorank/token-probabilities.js';
export type { Reranker, TrainLogger } from './methods/reranker.js';
export { silentLogger } from './methods/reranker.js';
export { ParamStore } from './nn/params.js';
export { useDistanceKernel } from './tokenizer/blocked-distance.js';
export { readSemanticIds, TOKENIZER_FILES, writeTokenizerOutputs } from './tokenizer/codes-io.js';
export { encodeResidual, trainResidualQuantiser } from './tokenizer/residual-quantiser.js';
export type { DisambiguationMode } from './tokenizer/semantic-ids.js';
export type { TokenizeOptions, TokenizerSource } from './tokenizer/tokenize-dataset.js';
export { TOKENIZER_SOURCES, tokenizeDataset, tokenizeDatasetDir } from './tokenizer/tokenize-dataset.js';
export type { TokenizerReport } from './tokenizer/tokenizer-report.js';
export type { GloRankConfigInput, GloRankTrainConfig } from './training/config.js';
export { loadTrainConfig, resolveTrainConfig } from './training/config.js';
export type { EvaluatorEnsemble } from './training/evaluator.js';
export { loadEvaluator, saveEvaluator } from './training/evaluator.js';
export type { RewardFunction } from './training/grpo.js';
export { DEFAULT_GRPO_CONFIG, trainGrpo } from './training/grpo.js';
export type { SlateEvaluation } from './training/pipeline.js';
export {
  evaluateGloRank,
  evaluateSlates,
  initialGloRankModel,
  requestsOf,
  trainGloRankRl,
  trainGloRankSft,
  trainRewardModel,
} from './training/pipeline.js';
export { greedySlates } from './training/search-demonstrations.js';
export { DEFAULT_SFT_CONFIG, trainSft } from './training/sft.js';
