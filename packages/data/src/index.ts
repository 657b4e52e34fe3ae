// Public API of @glorank/data. Every export is named here; nothing else is importable.

export type {
  AuditRanker,
  LeakAudit,
  LeakAuditOptions,
  SplitAudit,
} from './audit/leak-audit.js';
export {
  AUDIT_RANKERS,
  auditRankerLabel,
  formatLeakAudit,
  leakAudit,
  precisionAtL,
} from './audit/leak-audit.js';
export type { LoggedSlateStats } from './audit/logged-slates.js';
export { loggedSlateStats, simulatorWarning } from './audit/logged-slates.js';
export type { ConfigKind } from './config/config-file.js';
export { parseConfigText, readConfigFile, validateConfig } from './config/config-file.js';
export type { CodesTable } from './dataset/codes-file.js';
export { readCodes, writeCodes } from './dataset/codes-file.js';
export type { DatasetSummary, LengthStats } from './dataset/inspect.js';
export { inspectDataset } from './dataset/inspect.js';
export type { ItemCodes } from './dataset/item-codes.js';
export { candidateCodes, itemCodes } from './dataset/item-codes.js';
export { readDataset, readManifest } from './dataset/read-dataset.js';
export type { RequestColumns } from './dataset/request-columns.js';
export { requestsFromColumns } from './dataset/request-columns.js';
export type { DatasetContent, ManifestInput, WriteDatasetOptions } from './dataset/write-dataset.js';
export { writeDataset } from './dataset/write-dataset.js';
export type { DownloadedFile, DownloadOptions, DownloadResult } from './download/download.js';
export { downloadBenchmark } from './download/download.js';
export type { Registry, RegistryEntry, RegistryFile } from './download/registry.js';
export { defaultRegistryPath, loadRegistry } from './download/registry.js';
export type { UserErrorLocation } from './errors/user-error.js';
export { isUserError, UserError } from './errors/user-error.js';
export { buildDirAtomic, removeStaleTemps, TEMP_NAME, writeFileAtomic } from './io/atomic.js';
export type { MeanInterval } from './metrics/intervals.js';
export { meanInterval, pairedDifference, studentT975 } from './metrics/intervals.js';
export type { MetricKey, ProtocolMetric } from './metrics/metric-names.js';
export { METRIC_KEYS, PROTOCOL_METRICS } from './metrics/metric-names.js';
export type { RequestMetrics, SlateMetrics } from './metrics/slate-metrics.js';
export { requestMetrics, slateMetrics } from './metrics/slate-metrics.js';
export type { BuildOptions, ProgressFn } from './protocol/build-requests.js';
export { buildDataset } from './protocol/build-requests.js';
export type { ConvertOptions, SourceFormat, SourceOptions } from './protocol/convert.js';
export {
  convertDataset,
  defaultProtocol,
  isSourceFormat,
  readSource,
  SOURCE_FORMATS,
} from './protocol/convert.js';
export type { ItemMeta, SourceData } from './protocol/interaction-log.js';
export { IdMap, InteractionLog } from './protocol/interaction-log.js';
export { Rng } from './random/rng.js';
export type { ColumnMapping } from './readers/delimited.js';
export type { TextEncoding } from './readers/line-reader.js';
export {
  failInCiWithoutRealData,
  REAL_DATA_SKIP_REASON,
  realDataset,
} from './readers/real-data-dir.js';
export type { ExportFormat, PrintedTable, ResultsFileRow, ResultsFileTable } from './results/results-file.js';
export {
  bestMethods,
  calibrationLine,
  differenceTable,
  EXPORT_FORMATS,
  exportResults,
  extraNotes,
  formatMeanInterval,
  hackingWarning,
  isSignificant,
  latexEscape,
  mainTable,
  metricDecimals,
  metricHeading,
  parseResultsFile,
  protocolLine,
  provenanceLines,
  resultsTitle,
  resultsToCsv,
  resultsToLatex,
  resultsToMarkdown,
  rowFlags,
} from './results/results-file.js';
export type { ColumnSpec } from './schema/arrow-schemas.js';
export {
  checkColumns,
  codebookColumns,
  codeColumns,
  DATASET_FILES,
  INTERACTION_COLUMNS,
  ITEM_COLUMNS,
  REQUEST_COLUMNS,
  RESULTS_COLUMNS,
  schemaOf,
  USER_ATTRIBUTE_PREFIX,
  USER_COLUMNS,
} from './schema/arrow-schemas.js';
export type {
  ConversionStats,
  DatasetManifest,
  InteractionTable,
  ItemTable,
  LoadedDataset,
  ProtocolParams,
  RerankRequest,
  SourceFile,
  Split,
  UserTable,
} from './schema/types.js';
export type { ParsedSlates, SlateRow, SlatesFile } from './slates/slates-file.js';
export {
  parseSlates,
  parseSlatesText,
  readSlates,
  SLATES_FORMAT,
  writeSlates,
} from './slates/slates-file.js';
export type { ClickModelParams } from './synthetic/click-model.js';
export { ClickModel, loadClickModel } from './synthetic/click-model.js';
export type { SyntheticDataset, SyntheticOptions } from './synthetic/generate.js';
export { generateSynthetic, SYNTHETIC_DEFAULTS } from './synthetic/generate.js';
