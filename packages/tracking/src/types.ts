// The run store's public vocabulary: records, query options and the RunStore interface that
// both backends (SQLite, PostgreSQL) implement. Times are milliseconds since the Unix epoch.

export type RunStatus = 'running' | 'finished' | 'failed' | 'crashed';
export const RUN_STATUSES: readonly RunStatus[] = ['running', 'finished', 'failed', 'crashed'];

export type StoreBackend = 'sqlite' | 'postgres';

/** A JSON value as stored in a run's config. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface Experiment {
  id: number;
  name: string;
  description: string | null;
  createdAt: number;
}

export interface ExperimentSummary extends Experiment {
  runCount: number;
  /** Start time of the newest run, null when the experiment has none. */
  lastRunAt: number | null;
}

export interface RunRecord {
  id: number;
  experimentId: number;
  experimentName: string;
  name: string;
  status: RunStatus;
  config: JsonValue;
  codeVersion: string | null;
  /** Hash of the dataset manifest the run trained/evaluated on. */
  datasetHash: string | null;
  /** Compute backend (wasm, cpu, node-gpu, ...). */
  backend: string | null;
  host: string | null;
  pid: number | null;
  startedAt: number;
  /** Set when the run left `running` (finished/failed, or its last heartbeat when crashed). */
  endedAt: number | null;
  heartbeatAt: number;
  /** A run is `crashed` once `heartbeatAt + heartbeatTimeoutMs` has passed while it was `running`. */
  heartbeatTimeoutMs: number;
  /** Failure message for `failed` runs. */
  error: string | null;
  tags: string[];
}

/** Per run and metric key: what the runs table sorts and filters on. */
export interface SeriesSummary {
  key: string;
  /** Distinct steps stored. */
  count: number;
  minStep: number;
  maxStep: number;
  /** Value at the largest step (null when it was NaN). */
  last: number | null;
  min: number | null;
  max: number | null;
  firstTime: number;
  lastTime: number;
}

export type ParamValue = string | number | boolean;

export interface RunSummary extends RunRecord {
  /** Params as stored (strings; numbers keep their decimal text). */
  params: Record<string, string>;
  /** Metric summaries keyed by metric key. */
  metrics: Record<string, SeriesSummary>;
}

export type RunDetail = RunSummary;

export interface CreateRunInput {
  /** Experiment name; created on first use. Default 'default'. */
  experiment?: string;
  name: string;
  config?: JsonValue;
  params?: Record<string, ParamValue>;
  tags?: string[];
  codeVersion?: string | null;
  datasetHash?: string | null;
  backend?: string | null;
  host?: string | null;
  pid?: number | null;
  /** Heartbeat deadline stored with the run (default 60 000). */
  heartbeatTimeoutMs?: number;
}

export type MetricAgg = 'last' | 'min' | 'max';
export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export interface ParamFilter {
  key: string;
  /** Default '='. Numeric comparison when `value` is a number, text comparison otherwise. */
  op?: CompareOp;
  value: string | number | boolean;
}

export interface MetricFilter {
  key: string;
  agg: MetricAgg;
  op: CompareOp;
  value: number;
}

export interface RunFilter {
  status?: RunStatus | RunStatus[];
  experimentId?: number;
  experiment?: string;
  /** Runs carrying every one of these tags. */
  tags?: string[];
  params?: ParamFilter[];
  metrics?: MetricFilter[];
  /** Case-insensitive substring of the run name. */
  nameContains?: string;
  ids?: number[];
}

export type RunSortField = 'id' | 'name' | 'status' | 'startedAt' | 'endedAt' | 'heartbeatAt';

export type RunSort =
  | { by: RunSortField; dir?: 'asc' | 'desc' }
  | { by: 'metric'; key: string; agg: MetricAgg; dir?: 'asc' | 'desc' }
  | { by: 'param'; key: string; dir?: 'asc' | 'desc' };

export interface ListRunsOptions {
  filter?: RunFilter;
  /** Default: startedAt desc. Runs lacking the sorted metric/param come last either way. */
  sort?: RunSort;
  /** Page size, 1..1000, default 50. */
  limit?: number;
  offset?: number;
}

export interface RunPage {
  runs: RunSummary[];
  /** Runs matching the filter, over all pages. */
  total: number;
  limit: number;
  offset: number;
}

export interface MetricPoint {
  key: string;
  step: number;
  /** NaN is stored as null. */
  value: number;
  /** Wall time in ms; default: when the store receives it. */
  time?: number;
}

export type SeriesXAxis = 'step' | 'time';

export interface SeriesOptions {
  /** Points to return at most (>= 4, default 1000); extremes of every bucket are kept. */
  maxPoints?: number;
  /** Axis the buckets are laid over, default 'step'. */
  xAxis?: SeriesXAxis;
  /** Restrict to an x range (inclusive), in units of `xAxis`. */
  xMin?: number;
  xMax?: number;
}

/** A metric curve, column-wise (uPlot's layout), ordered by the x axis. */
export interface Series {
  runId: number;
  key: string;
  xAxis: SeriesXAxis;
  /** Points stored in the requested range. */
  totalPoints: number;
  /** True when fewer points are returned than stored. */
  downsampled: boolean;
  steps: number[];
  values: (number | null)[];
  times: number[];
}

export interface CompareOptions {
  /** Metric keys to compare; default every key any of the runs has. */
  keys?: string[];
  /** Include downsampled curves per key and run (default false). */
  series?: boolean | SeriesOptions;
}

export interface RunComparison {
  runs: RunSummary[];
  /** Union of param keys; `values[i]` belongs to `runs[i]`. */
  params: { key: string; values: (string | null)[]; differs: boolean }[];
  metrics: { key: string; summaries: (SeriesSummary | null)[] }[];
  /** Present when requested: `series[key][i]` belongs to `runs[i]` (null when that run lacks the key). */
  series?: Record<string, (Series | null)[]>;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogLineInput {
  level?: LogLevel;
  message: string;
  time?: number;
}

export interface LogLine {
  /** Increases with every line written to the store; pass the last one as `afterSeq` to tail. */
  seq: number;
  time: number;
  level: LogLevel;
  message: string;
}

export interface TailLogsOptions {
  /** Return lines after this seq (for polling); default: the last `limit` lines. */
  afterSeq?: number;
  /** Default 200, max 10 000. */
  limit?: number;
}

export interface LogPage {
  lines: LogLine[];
  /** Seq to pass as `afterSeq` next time (unchanged when no new lines). */
  nextSeq: number;
}

export type ArtifactKind = 'checkpoint' | 'eval-table' | 'config' | 'report' | 'dataset' | 'other';

export interface ArtifactInput {
  path: string;
  kind: ArtifactKind;
  bytes: number;
  sha256: string;
  createdAt?: number;
}

export interface Artifact extends ArtifactInput {
  id: number;
  runId: number;
  createdAt: number;
}

export interface SystemSampleInput {
  time?: number;
  /** Process CPU use since the previous sample, percent of one core. */
  cpuPercent: number;
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  gpuUtilPercent?: number | null;
  gpuMemBytes?: number | null;
}

export type SystemSample = Required<SystemSampleInput>;

export interface SystemMetricsOptions {
  /** Downsample to about this many samples (bucket means), default 1000. */
  maxPoints?: number;
}

export interface RunExport {
  format: 'glorank-run/1';
  run: RunDetail;
  series: { key: string; steps: number[]; values: (number | null)[]; times: number[] }[];
  logs: LogLine[];
  artifacts: Artifact[];
  system: SystemSample[];
}

export interface RunStore {
  readonly backend: StoreBackend;
  /** File path, or the URL without its password. */
  readonly location: string;

  createExperiment(input: { name: string; description?: string | null }): Promise<Experiment>;
  getExperiment(idOrName: number | string): Promise<Experiment | null>;
  listExperiments(): Promise<ExperimentSummary[]>;

  createRun(input: CreateRunInput): Promise<RunRecord>;
  /** Marks overdue runs crashed first (as every read of runs does). */
  getRun(id: number): Promise<RunDetail | null>;
  listRuns(options?: ListRunsOptions): Promise<RunPage>;
  /** Allowed: running -> finished|failed|crashed, crashed -> finished|failed|running. */
  setRunStatus(id: number, status: RunStatus, options?: { error?: string }): Promise<RunRecord>;
  /** Refreshes the deadline; a run marked crashed by mistake (it was only stalled) is running again. */
  heartbeat(id: number): Promise<void>;
  /**
   * Continues a run in a new process (`glorank train --resume`): whatever its status, it is
   * running again, its end time and error are cleared, its heartbeat is now and host/pid are
   * the new process's. Its params, metrics, logs and artifacts stay, so curves continue.
   */
  reopenRun(id: number, process?: { host?: string | null; pid?: number | null }): Promise<RunRecord>;
  addTags(id: number, tags: string[]): Promise<void>;
  removeTags(id: number, tags: string[]): Promise<void>;
  logParams(id: number, params: Record<string, ParamValue>): Promise<void>;
  /** Deletes the run and everything logged for it; false when it did not exist. */
  deleteRun(id: number): Promise<boolean>;
  /** Marks every running run past its heartbeat deadline as crashed; returns how many. */
  markCrashedRuns(): Promise<number>;

  /** Appends points; re-logging a (key, step) replaces its value. Atomic per call. */
  logMetrics(runId: number, points: readonly MetricPoint[]): Promise<void>;
  listSeries(runId: number): Promise<SeriesSummary[]>;
  getSeries(runId: number, key: string, options?: SeriesOptions): Promise<Series>;
  compareRuns(ids: number[], options?: CompareOptions): Promise<RunComparison>;

  appendLogs(runId: number, lines: readonly LogLineInput[]): Promise<void>;
  tailLogs(runId: number, options?: TailLogsOptions): Promise<LogPage>;

  addArtifact(runId: number, artifact: ArtifactInput): Promise<Artifact>;
  listArtifacts(runId: number): Promise<Artifact[]>;

  logSystemMetrics(runId: number, samples: readonly SystemSampleInput[]): Promise<void>;
  getSystemMetrics(runId: number, options?: SystemMetricsOptions): Promise<SystemSample[]>;

  exportRun(id: number): Promise<RunExport | null>;
  close(): Promise<void>;
}
