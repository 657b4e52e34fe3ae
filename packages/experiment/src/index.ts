// Public API of @glorank/experiment: the experiment harness (config, stage graph and store,
// method registry, reports, tracker port) and the synthetic comparison. Every export is named
// here; nothing else is importable.

export { codeVersion } from './code-version.js';
export type { DatasetConfig, ExperimentConfig, LoadedExperimentConfig } from './config.js';
export { experimentConfigSchema, loadExperimentConfig, parseExperimentConfig } from './config.js';
export type { ExperimentLock } from './experiment-lock.js';
export { acquireExperimentLock } from './experiment-lock.js';
export { exportExperiment, readResultsTables, resultsFiles } from './export.js';
export type { MethodConfig, MethodInputs, MethodName, MethodNeeds, TrainedMethod } from './methods.js';
export { GLORANK_METHODS, METHOD_NAMES, METHODS, methodNeeds, trainMethod } from './methods.js';
export type { QueuedExperimentOptions } from './queue/coordinator.js';
export { QueuedStageError, runQueuedExperiment } from './queue/coordinator.js';
export type { JobState, QueueJobRow, QueueOptions, StageJobData } from './queue/stage-queue.js';
export {
  DEFAULT_ATTEMPTS,
  DEFAULT_LEASE_SECONDS,
  GPU_STAGE_QUEUE,
  STAGE_QUEUE,
  StageQueue,
} from './queue/stage-queue.js';
export type { WorkerOptions, WorkerSummary } from './queue/worker.js';
export { runWorker } from './queue/worker.js';
export { renderResultsMarkdown, resultsToArrow, resultsToJson } from './results-render.js';
export type {
  MethodRow,
  ResultsTable,
  RunEvaluation,
  TableContext,
} from './results-table.js';
export { buildResultsTable } from './results-table.js';
export type { RewardSimulator, RunEvaluationResult } from './run-evaluation.js';
export { evaluateRun } from './run-evaluation.js';
export type {
  ExperimentEvent,
  ExperimentResult,
  RunExperimentOptions,
  StageAddress,
  StageExecutor,
  StageGraphOptions,
  StageTracking,
} from './runner.js';
export { ExperimentGraph, experimentDirOf, runExperiment } from './runner.js';
export type { StageRecord, StageSpec } from './stage-store.js';
export { StageStore, stageHash } from './stage-store.js';
export type { StoreTrackerOptions } from './store-tracker.js';
export { storeTracker } from './store-tracker.js';
export type {
  ComparisonMethod,
  ComparisonOptions,
  ComparisonResult,
  MethodScore,
} from './synthetic-comparison.js';
export { COMPARISON_METHODS, runSyntheticComparison } from './synthetic-comparison.js';
export type { RunTracker, TrackedRun, TrackedRunInfo } from './tracker.js';
