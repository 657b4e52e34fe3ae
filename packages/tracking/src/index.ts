// Public API of @glorank/tracking: the run store (SQLite or PostgreSQL behind one async
// interface) and the run logger trainers write through.

export type { DescribeArtifactOptions } from './artifacts/file-artifact.js';
export { describeArtifactFile, sha256File } from './artifacts/file-artifact.js';
export type { RunLoggerOptions } from './logger/run-logger.js';
export { RunLogger, withRunLogger } from './logger/run-logger.js';
export type { GpuReading } from './logger/system-sampler.js';
export { readNvidiaSmi, SystemSampler } from './logger/system-sampler.js';
export { MIGRATIONS, SCHEMA_VERSION } from './schema/migrations.js';
export type { OpenRunStoreOptions, StoragePaths } from './store/open-run-store.js';
export {
  defaultStoreLocation,
  isPostgresUrl,
  openRunStore,
  redactLocation,
  storagePaths,
} from './store/open-run-store.js';
export type {
  Artifact,
  ArtifactInput,
  ArtifactKind,
  CompareOp,
  CompareOptions,
  CreateRunInput,
  Experiment,
  ExperimentSummary,
  JsonValue,
  ListRunsOptions,
  LogLevel,
  LogLine,
  LogLineInput,
  LogPage,
  MetricAgg,
  MetricFilter,
  MetricPoint,
  ParamFilter,
  ParamValue,
  RunComparison,
  RunDetail,
  RunExport,
  RunFilter,
  RunPage,
  RunRecord,
  RunSort,
  RunSortField,
  RunStatus,
  RunStore,
  RunSummary,
  Series,
  SeriesOptions,
  SeriesSummary,
  SeriesXAxis,
  StoreBackend,
  SystemMetricsOptions,
  SystemSample,
  SystemSampleInput,
  TailLogsOptions,
} from './types.js';
export { RUN_STATUSES } from './types.js';
