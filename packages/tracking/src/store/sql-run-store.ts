// The RunStore over any SqlDriver: one implementation, so SQLite and PostgreSQL behave alike
// and one test suite covers both. Every read of runs first marks overdue runs crashed.
// The work is split by area (sql/store-*.ts: experiments, runs, metrics, logs, artifacts,
// system metrics); this class is the RunStore interface over them, plus the export that spans
// every area.
import type {
  Artifact,
  ArtifactInput,
  CompareOptions,
  CreateRunInput,
  Experiment,
  ExperimentSummary,
  ListRunsOptions,
  LogLine,
  LogLineInput,
  LogPage,
  MetricPoint,
  ParamValue,
  RunComparison,
  RunDetail,
  RunExport,
  RunPage,
  RunRecord,
  RunStatus,
  RunStore,
  Series,
  SeriesOptions,
  SeriesSummary,
  StoreBackend,
  SystemMetricsOptions,
  SystemSample,
  SystemSampleInput,
  TailLogsOptions,
} from '../types.js';
import { SqlArtifacts } from './sql/store-artifacts.js';
import { type PointRow, type SeriesRow, SqlStoreCore } from './sql/store-core.js';
import { SqlExperiments } from './sql/store-experiments.js';
import { SqlLogs } from './sql/store-logs.js';
import { SqlMetrics } from './sql/store-metrics.js';
import { SqlRuns } from './sql/store-runs.js';
import { SqlSystemMetrics } from './sql/store-system.js';
import type { SqlDriver } from './sql-driver.js';

export interface SqlRunStoreOptions {
  /**
   * The clock (ms since the epoch) for run start/end times, heartbeats and heartbeat
   * deadlines. Default: the database's clock, one clock for every writer process. Tests
   * pass a clock they advance by hand, so deadline checks never race the wall clock.
   */
  clock?: () => number;
}

export class SqlRunStore implements RunStore {
  readonly backend: StoreBackend;
  private readonly core: SqlStoreCore;
  private readonly experiments: SqlExperiments;
  private readonly runs: SqlRuns;
  private readonly metrics: SqlMetrics;
  private readonly logs: SqlLogs;
  private readonly artifacts: SqlArtifacts;
  private readonly system: SqlSystemMetrics;

  constructor(
    db: SqlDriver,
    readonly location: string,
    options: SqlRunStoreOptions = {},
  ) {
    this.backend = db.dialect;
    this.core = new SqlStoreCore(db, options.clock ?? null);
    this.experiments = new SqlExperiments(this.core);
    this.runs = new SqlRuns(this.core);
    this.metrics = new SqlMetrics(this.core);
    this.logs = new SqlLogs(this.core);
    this.artifacts = new SqlArtifacts(this.core);
    this.system = new SqlSystemMetrics(this.core);
  }

  createExperiment(input: { name: string; description?: string | null }): Promise<Experiment> {
    return this.experiments.createExperiment(input);
  }
  getExperiment(idOrName: number | string): Promise<Experiment | null> {
    return this.experiments.getExperiment(idOrName);
  }
  listExperiments(): Promise<ExperimentSummary[]> {
    return this.experiments.listExperiments();
  }

  createRun(input: CreateRunInput): Promise<RunRecord> {
    return this.runs.createRun(input);
  }
  markCrashedRuns(): Promise<number> {
    return this.core.markCrashedRuns();
  }
  getRun(id: number): Promise<RunDetail | null> {
    return this.runs.getRun(id);
  }
  listRuns(options: ListRunsOptions = {}): Promise<RunPage> {
    return this.runs.listRuns(options);
  }
  setRunStatus(id: number, status: RunStatus, options: { error?: string } = {}): Promise<RunRecord> {
    return this.runs.setRunStatus(id, status, options);
  }
  heartbeat(id: number): Promise<void> {
    return this.runs.heartbeat(id);
  }
  reopenRun(id: number, process: { host?: string | null; pid?: number | null } = {}): Promise<RunRecord> {
    return this.runs.reopenRun(id, process);
  }
  addTags(id: number, tags: string[]): Promise<void> {
    return this.runs.addTags(id, tags);
  }
  removeTags(id: number, tags: string[]): Promise<void> {
    return this.runs.removeTags(id, tags);
  }
  logParams(id: number, params: Record<string, ParamValue>): Promise<void> {
    return this.runs.logParams(id, params);
  }
  deleteRun(id: number): Promise<boolean> {
    return this.runs.deleteRun(id);
  }

  logMetrics(runId: number, points: readonly MetricPoint[]): Promise<void> {
    return this.metrics.logMetrics(runId, points);
  }
  listSeries(runId: number): Promise<SeriesSummary[]> {
    return this.metrics.listSeries(runId);
  }
  getSeries(runId: number, key: string, options: SeriesOptions = {}): Promise<Series> {
    return this.metrics.getSeries(runId, key, options);
  }
  compareRuns(ids: number[], options: CompareOptions = {}): Promise<RunComparison> {
    return this.metrics.compareRuns(ids, options);
  }

  appendLogs(runId: number, lines: readonly LogLineInput[]): Promise<void> {
    return this.logs.appendLogs(runId, lines);
  }
  tailLogs(runId: number, options: TailLogsOptions = {}): Promise<LogPage> {
    return this.logs.tailLogs(runId, options);
  }

  addArtifact(runId: number, artifact: ArtifactInput): Promise<Artifact> {
    return this.artifacts.addArtifact(runId, artifact);
  }
  listArtifacts(runId: number): Promise<Artifact[]> {
    return this.artifacts.listArtifacts(runId);
  }

  logSystemMetrics(runId: number, samples: readonly SystemSampleInput[]): Promise<void> {
    return this.system.logSystemMetrics(runId, samples);
  }
  getSystemMetrics(runId: number, options: SystemMetricsOptions = {}): Promise<SystemSample[]> {
    return this.system.getSystemMetrics(runId, options);
  }

  async exportRun(id: number): Promise<RunExport | null> {
    const run = await this.runs.getRun(id);
    if (!run) return null;
    const seriesRows = await this.core.db.all<SeriesRow>(
      'SELECT * FROM series WHERE run_id = ? ORDER BY key',
      [id],
    );
    const series: RunExport['series'] = [];
    for (const s of seriesRows) {
      const points = await this.core.db.all<PointRow>(
        'SELECT step, value, wall_time FROM metric_points WHERE series_id = ? ORDER BY step',
        [s.id],
      );
      series.push({
        key: s.key,
        steps: points.map((p) => p.step),
        values: points.map((p) => p.value),
        times: points.map((p) => p.wall_time),
      });
    }
    const logs = await this.core.db.all<LogLine>(
      'SELECT seq, time, level, message FROM logs WHERE run_id = ? ORDER BY seq',
      [id],
    );
    return {
      format: 'glorank-run/1',
      run,
      series,
      logs,
      artifacts: await this.artifacts.listArtifacts(id),
      system: await this.system.getSystemMetrics(id, { maxPoints: Number.MAX_SAFE_INTEGER }),
    };
  }

  async close(): Promise<void> {
    await this.core.db.close();
  }
}
