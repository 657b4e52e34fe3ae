// The RunStore over any SqlDriver: one implementation, so SQLite and PostgreSQL behave alike
// and one test suite covers both. Every read of runs first marks overdue runs crashed.
import { UserError } from '@glorank/base';
import type {
  Artifact,
  ArtifactInput,
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
  MetricPoint,
  ParamValue,
  RunComparison,
  RunDetail,
  RunExport,
  RunPage,
  RunRecord,
  RunStatus,
  RunStore,
  RunSummary,
  Series,
  SeriesOptions,
  SeriesSummary,
  StoreBackend,
  SystemMetricsOptions,
  SystemSample,
  SystemSampleInput,
  TailLogsOptions,
} from '../types.js';
import { RUN_STATUSES } from '../types.js';
import { downsampleQuery } from './downsample-sql.js';
import { buildRunQuery } from './run-query.js';
import type { SqlDriver, SqlExecutor, SqlParam } from './sql-driver.js';

interface RunRow {
  id: number;
  experiment_id: number;
  experiment_name: string;
  name: string;
  status: RunStatus;
  config: string;
  code_version: string | null;
  dataset_hash: string | null;
  backend: string | null;
  host: string | null;
  pid: number | null;
  started_at: number;
  ended_at: number | null;
  heartbeat_at: number;
  heartbeat_timeout_ms: number;
  error: string | null;
}

interface SeriesRow {
  id: number;
  run_id: number;
  key: string;
  count: number;
  min_step: number | null;
  max_step: number | null;
  last_value: number | null;
  min_value: number | null;
  max_value: number | null;
  first_time: number | null;
  last_time: number | null;
}

interface PointRow {
  step: number;
  value: number | null;
  wall_time: number;
}

const RUN_COLUMNS = `r.id, r.experiment_id, e.name AS experiment_name, r.name, r.status, r.config, r.code_version,
  r.dataset_hash, r.backend, r.host, r.pid, r.started_at, r.ended_at, r.heartbeat_at, r.heartbeat_timeout_ms, r.error`;

const TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  running: ['finished', 'failed', 'crashed'],
  crashed: ['finished', 'failed', 'running'],
  finished: [],
  failed: [],
};

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const DEFAULT_HEARTBEAT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_POINTS = 1000;

function toRecord(row: RunRow, tags: string[]): RunRecord {
  return {
    id: row.id,
    experimentId: row.experiment_id,
    experimentName: row.experiment_name,
    name: row.name,
    status: row.status,
    config: JSON.parse(row.config) as JsonValue,
    codeVersion: row.code_version,
    datasetHash: row.dataset_hash,
    backend: row.backend,
    host: row.host,
    pid: row.pid,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    heartbeatAt: row.heartbeat_at,
    heartbeatTimeoutMs: row.heartbeat_timeout_ms,
    error: row.error,
    tags,
  };
}

function toSummary(row: SeriesRow): SeriesSummary {
  return {
    key: row.key,
    count: row.count,
    minStep: row.min_step ?? 0,
    maxStep: row.max_step ?? 0,
    last: row.last_value,
    min: row.min_value,
    max: row.max_value,
    firstTime: row.first_time ?? 0,
    lastTime: row.last_time ?? 0,
  };
}

/** NaN cannot be stored as a number in SQLite; null stands for it in both dialects. */
function storedValue(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

function paramText(value: ParamValue): { text: string; num: number | null } {
  if (typeof value === 'number') return { text: String(value), num: Number.isFinite(value) ? value : null };
  if (typeof value === 'boolean') return { text: String(value), num: null };
  const trimmed = value.trim();
  const n = trimmed.length > 0 ? Number(trimmed) : Number.NaN;
  return { text: value, num: Number.isFinite(n) ? n : null };
}

function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

function checkId(id: number, field: string): void {
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new UserError(`expected a positive integer run id, got '${id}'`, { field });
  }
}

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
  private readonly clock: (() => number) | null;

  constructor(
    private readonly db: SqlDriver,
    readonly location: string,
    options: SqlRunStoreOptions = {},
  ) {
    this.backend = db.dialect;
    this.clock = options.clock ?? null;
  }

  /** SQL for "now": the injected clock's reading as a literal, else the database clock. */
  private get nowSql(): string {
    if (this.clock === null) return this.db.nowMs;
    const t = this.clock();
    if (!Number.isSafeInteger(t) || t < 0) throw new Error(`store clock returned ${t}, expected integer ms`);
    return `(${t})`;
  }

  // ---- experiments -------------------------------------------------------------------

  private async ensureExperiment(tx: SqlExecutor, name: string, description: string | null): Promise<number> {
    if (name.trim().length === 0)
      throw new UserError('experiment name must not be empty', { field: 'experiment' });
    await tx.run(
      `INSERT INTO experiments (name, description, created_at) VALUES (?, ?, ${this.nowSql}) ON CONFLICT (name) DO NOTHING`,
      [name, description],
    );
    const row = await tx.get<{ id: number }>('SELECT id FROM experiments WHERE name = ?', [name]);
    if (!row) throw new Error(`experiment '${name}' vanished while being created`);
    return row.id;
  }

  async createExperiment(input: { name: string; description?: string | null }): Promise<Experiment> {
    const id = await this.db.transaction((tx) =>
      this.ensureExperiment(tx, input.name, input.description ?? null),
    );
    const e = await this.getExperiment(id);
    if (!e) throw new Error(`experiment ${id} vanished`);
    return e;
  }

  async getExperiment(idOrName: number | string): Promise<Experiment | null> {
    const row = await this.db.get<{
      id: number;
      name: string;
      description: string | null;
      created_at: number;
    }>(
      `SELECT id, name, description, created_at FROM experiments WHERE ${typeof idOrName === 'number' ? 'id' : 'name'} = ?`,
      [idOrName],
    );
    return row
      ? { id: row.id, name: row.name, description: row.description, createdAt: row.created_at }
      : null;
  }

  async listExperiments(): Promise<ExperimentSummary[]> {
    await this.markCrashedRuns();
    const rows = await this.db.all<{
      id: number;
      name: string;
      description: string | null;
      created_at: number;
      run_count: number;
      last_run_at: number | null;
    }>(
      `SELECT e.id, e.name, e.description, e.created_at, count(r.id) AS run_count, max(r.started_at) AS last_run_at
       FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id
       GROUP BY e.id, e.name, e.description, e.created_at ORDER BY e.name`,
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      createdAt: r.created_at,
      runCount: r.run_count,
      lastRunAt: r.last_run_at,
    }));
  }

  // ---- runs --------------------------------------------------------------------------

  async createRun(input: CreateRunInput): Promise<RunRecord> {
    if (input.name.trim().length === 0) throw new UserError('run name must not be empty', { field: 'name' });
    const timeout = input.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    if (!(timeout > 0)) {
      throw new UserError(`expected a positive number of ms, got ${timeout}`, {
        field: 'heartbeatTimeoutMs',
      });
    }
    const id = await this.db.transaction(async (tx) => {
      const experimentId = await this.ensureExperiment(tx, input.experiment ?? 'default', null);
      const row = await tx.get<{ id: number }>(
        `INSERT INTO runs (experiment_id, name, status, config, code_version, dataset_hash, backend, host, pid,
           started_at, heartbeat_at, heartbeat_timeout_ms)
         VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ${this.nowSql}, ${this.nowSql}, ?) RETURNING id`,
        [
          experimentId,
          input.name,
          JSON.stringify(input.config ?? null),
          input.codeVersion ?? null,
          input.datasetHash ?? null,
          input.backend ?? null,
          input.host ?? null,
          input.pid ?? null,
          timeout,
        ],
      );
      if (!row) throw new Error('INSERT ... RETURNING returned no row');
      await this.insertTags(tx, row.id, input.tags ?? []);
      await this.upsertParams(tx, row.id, input.params ?? {});
      return row.id;
    });
    return this.requireRecord(id);
  }

  private async requireRecord(id: number, tx: SqlExecutor = this.db): Promise<RunRecord> {
    const row = await tx.get<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?`,
      [id],
    );
    if (!row) throw new UserError(`run ${id} does not exist`, { field: 'run' });
    const tags = await tx.all<{ tag: string }>('SELECT tag FROM run_tags WHERE run_id = ? ORDER BY tag', [
      id,
    ]);
    return toRecord(
      row,
      tags.map((t) => t.tag),
    );
  }

  private async requireRun(tx: SqlExecutor, id: number): Promise<void> {
    checkId(id, 'run');
    const row = await tx.get<{ id: number }>('SELECT id FROM runs WHERE id = ?', [id]);
    if (!row) throw new UserError(`run ${id} does not exist`, { field: 'run' });
  }

  async markCrashedRuns(): Promise<number> {
    const overdue = `status = 'running' AND heartbeat_at + heartbeat_timeout_ms < ${this.nowSql}`;
    // Check with a read first: the common case (nothing overdue) then takes no write lock.
    const any = await this.db.get<{ id: number }>(`SELECT id FROM runs WHERE ${overdue} LIMIT 1`);
    if (!any) return 0;
    return this.db.run(`UPDATE runs SET status = 'crashed', ended_at = heartbeat_at WHERE ${overdue}`);
  }

  async getRun(id: number): Promise<RunDetail | null> {
    checkId(id, 'run');
    await this.markCrashedRuns();
    const page = await this.pageDetails([id]);
    return page[0] ?? null;
  }

  /** Records, tags, params and metric summaries for `ids`, in that order (missing ids dropped). */
  private async pageDetails(ids: number[]): Promise<RunSummary[]> {
    if (ids.length === 0) return [];
    const list = placeholders(ids.length);
    const [rows, tags, params, series] = await Promise.all([
      this.db.all<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id IN (${list})`,
        ids,
      ),
      this.db.all<{ run_id: number; tag: string }>(
        `SELECT run_id, tag FROM run_tags WHERE run_id IN (${list}) ORDER BY tag`,
        ids,
      ),
      this.db.all<{ run_id: number; key: string; value: string }>(
        `SELECT run_id, key, value FROM params WHERE run_id IN (${list}) ORDER BY key`,
        ids,
      ),
      this.db.all<SeriesRow>(`SELECT * FROM series WHERE run_id IN (${list}) ORDER BY key`, ids),
    ]);
    const byId = new Map<number, RunSummary>();
    for (const row of rows) byId.set(row.id, { ...toRecord(row, []), params: {}, metrics: {} });
    for (const t of tags) byId.get(t.run_id)?.tags.push(t.tag);
    for (const p of params) {
      const run = byId.get(p.run_id);
      if (run) run.params[p.key] = p.value;
    }
    for (const s of series) {
      const run = byId.get(s.run_id);
      if (run) run.metrics[s.key] = toSummary(s);
    }
    return ids.flatMap((id) => {
      const run = byId.get(id);
      return run ? [run] : [];
    });
  }

  async listRuns(options: ListRunsOptions = {}): Promise<RunPage> {
    const limit = options.limit ?? 50;
    const offset = options.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new UserError(`expected an integer in [1, 1000], got ${limit}`, { field: 'limit' });
    }
    if (!Number.isInteger(offset) || offset < 0) {
      throw new UserError(`expected a non-negative integer, got ${offset}`, { field: 'offset' });
    }
    const q = buildRunQuery(options);
    await this.markCrashedRuns();
    const base = 'FROM runs r JOIN experiments e ON e.id = r.experiment_id';
    const [count, ids] = await Promise.all([
      this.db.get<{ n: number }>(`SELECT count(*) AS n ${base} ${q.where}`, q.whereParams),
      this.db.all<{ id: number }>(
        `SELECT r.id ${base} ${q.sortJoin} ${q.where} ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`,
        [...q.sortParams, ...q.whereParams, limit, offset],
      ),
    ]);
    return {
      runs: await this.pageDetails(ids.map((r) => r.id)),
      total: count?.n ?? 0,
      limit,
      offset,
    };
  }

  async setRunStatus(id: number, status: RunStatus, options: { error?: string } = {}): Promise<RunRecord> {
    if (!RUN_STATUSES.includes(status)) {
      throw new UserError(`expected one of ${RUN_STATUSES.join(', ')}, got '${status}'`, { field: 'status' });
    }
    await this.db.transaction(async (tx) => {
      await this.requireRun(tx, id);
      const row = await tx.get<{ status: RunStatus }>(
        `SELECT status FROM runs WHERE id = ?${this.db.forUpdate}`,
        [id],
      );
      const from = row?.status ?? 'running';
      if (from === status) return;
      if (!TRANSITIONS[from].includes(status)) {
        throw new UserError(`run ${id} is ${from} and cannot become ${status}`, { field: 'status' });
      }
      if (status === 'running') {
        await tx.run(
          `UPDATE runs SET status = 'running', ended_at = NULL, heartbeat_at = ${this.nowSql} WHERE id = ?`,
          [id],
        );
      } else if (status === 'crashed') {
        await tx.run(`UPDATE runs SET status = 'crashed', ended_at = heartbeat_at WHERE id = ?`, [id]);
      } else {
        await tx.run(
          `UPDATE runs SET status = ?, ended_at = ${this.nowSql}, heartbeat_at = ${this.nowSql}, error = ? WHERE id = ?`,
          [status, options.error ?? null, id],
        );
      }
    });
    return this.requireRecord(id);
  }

  async heartbeat(id: number): Promise<void> {
    checkId(id, 'run');
    const changed = await this.db.run(
      `UPDATE runs SET heartbeat_at = ${this.nowSql}, status = 'running', ended_at = NULL
       WHERE id = ? AND status IN ('running', 'crashed')`,
      [id],
    );
    if (changed === 0) await this.requireRun(this.db, id);
  }

  private async insertTags(tx: SqlExecutor, id: number, tags: readonly string[]): Promise<void> {
    const clean = [...new Set(tags.map((t) => t.trim()))];
    for (const tag of clean) {
      if (tag.length === 0) throw new UserError('tags must not be empty', { field: 'tags' });
    }
    if (clean.length === 0) return;
    await tx.bulkInsert(
      'run_tags',
      [
        { name: 'run_id', type: 'int' },
        { name: 'tag', type: 'text' },
      ],
      clean.map((t) => [id, t]),
      'ON CONFLICT (run_id, tag) DO NOTHING',
    );
  }

  async addTags(id: number, tags: string[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.requireRun(tx, id);
      await this.insertTags(tx, id, tags);
    });
  }

  async removeTags(id: number, tags: string[]): Promise<void> {
    if (tags.length === 0) return;
    await this.db.transaction(async (tx) => {
      await this.requireRun(tx, id);
      await tx.run(`DELETE FROM run_tags WHERE run_id = ? AND tag IN (${placeholders(tags.length)})`, [
        id,
        ...tags.map((t) => t.trim()),
      ]);
    });
  }

  private async upsertParams(tx: SqlExecutor, id: number, params: Record<string, ParamValue>): Promise<void> {
    const rows: SqlParam[][] = [];
    for (const [key, value] of Object.entries(params)) {
      if (key.length === 0) throw new UserError('param names must not be empty', { field: 'params' });
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        throw new UserError(`expected a string, number or boolean, got ${typeof value}`, {
          field: `params.${key}`,
        });
      }
      const { text, num } = paramText(value);
      rows.push([id, key, text, num]);
    }
    if (rows.length === 0) return;
    await tx.bulkInsert(
      'params',
      [
        { name: 'run_id', type: 'int' },
        { name: 'key', type: 'text' },
        { name: 'value', type: 'text' },
        { name: 'num_value', type: 'float' },
      ],
      rows,
      'ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, num_value = excluded.num_value',
    );
  }

  async logParams(id: number, params: Record<string, ParamValue>): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.requireRun(tx, id);
      await this.upsertParams(tx, id, params);
    });
  }

  async deleteRun(id: number): Promise<boolean> {
    checkId(id, 'run');
    return (await this.db.transaction((tx) => tx.run('DELETE FROM runs WHERE id = ?', [id]))) > 0;
  }

  // ---- metrics -----------------------------------------------------------------------

  async logMetrics(runId: number, points: readonly MetricPoint[]): Promise<void> {
    if (points.length === 0) return;
    const now = Date.now();
    // Group by key; within a call the last value logged for a step wins.
    const byKey = new Map<string, Map<number, PointRow>>();
    for (const [i, p] of points.entries()) {
      if (typeof p.key !== 'string' || p.key.length === 0) {
        throw new UserError('metric key must be a non-empty string', { field: `points[${i}].key` });
      }
      if (!Number.isSafeInteger(p.step) || p.step < 0) {
        throw new UserError(`expected a non-negative integer step, got ${p.step}`, {
          field: `points[${i}].step`,
        });
      }
      if (typeof p.value !== 'number') {
        throw new UserError(`expected a number, got ${typeof p.value}`, { field: `points[${i}].value` });
      }
      let steps = byKey.get(p.key);
      if (!steps) {
        steps = new Map();
        byKey.set(p.key, steps);
      }
      steps.set(p.step, { step: p.step, value: storedValue(p.value), wall_time: p.time ?? now });
    }
    await this.db.transaction(async (tx) => {
      await this.requireRun(tx, runId);
      for (const [key, steps] of byKey) await this.appendSeries(tx, runId, key, [...steps.values()]);
    });
  }

  private async appendSeries(tx: SqlExecutor, runId: number, key: string, rows: PointRow[]): Promise<void> {
    await tx.run(
      `INSERT INTO series (run_id, key, count) VALUES (?, ?, 0) ON CONFLICT (run_id, key) DO NOTHING`,
      [runId, key],
    );
    const s = await tx.get<SeriesRow>(
      `SELECT * FROM series WHERE run_id = ? AND key = ?${this.db.forUpdate}`,
      [runId, key],
    );
    if (!s) throw new Error(`series ${runId}/${key} vanished`);
    await tx.bulkInsert(
      'metric_points',
      [
        { name: 'series_id', type: 'int' },
        { name: 'step', type: 'int' },
        { name: 'value', type: 'float' },
        { name: 'wall_time', type: 'float' },
      ],
      rows.map((r) => [s.id, r.step, r.value, r.wall_time]),
      'ON CONFLICT (series_id, step) DO UPDATE SET value = excluded.value, wall_time = excluded.wall_time',
    );
    let minStep = Number.POSITIVE_INFINITY;
    let maxStep = Number.NEGATIVE_INFINITY;
    let last: number | null = null;
    let minValue: number | null = null;
    let maxValue: number | null = null;
    let firstTime = Number.POSITIVE_INFINITY;
    let lastTime = Number.NEGATIVE_INFINITY;
    for (const r of rows) {
      if (r.step < minStep) minStep = r.step;
      if (r.step > maxStep) {
        maxStep = r.step;
        last = r.value;
      }
      if (r.value !== null) {
        if (minValue === null || r.value < minValue) minValue = r.value;
        if (maxValue === null || r.value > maxValue) maxValue = r.value;
      }
      if (r.wall_time < firstTime) firstTime = r.wall_time;
      if (r.wall_time > lastTime) lastTime = r.wall_time;
    }
    if (s.max_step === null || minStep > s.max_step) {
      // Pure append (the usual case): fold the batch into the summary without rescanning.
      const lo = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
      const hi = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
      await tx.run(
        `UPDATE series SET count = ?, min_step = ?, max_step = ?, last_value = ?, min_value = ?, max_value = ?,
           first_time = ?, last_time = ? WHERE id = ?`,
        [
          s.count + rows.length,
          s.min_step ?? minStep,
          maxStep,
          last,
          lo(s.min_value, minValue),
          hi(s.max_value, maxValue),
          lo(s.first_time, firstTime),
          hi(s.last_time, lastTime),
          s.id,
        ],
      );
      return;
    }
    // Steps were re-logged or arrived out of order: recompute the summary exactly.
    const agg = await tx.get<{
      n: number;
      min_step: number;
      max_step: number;
      min_value: number | null;
      max_value: number | null;
      first_time: number;
      last_time: number;
    }>(
      `SELECT count(*) AS n, min(step) AS min_step, max(step) AS max_step, min(value) AS min_value,
         max(value) AS max_value, min(wall_time) AS first_time, max(wall_time) AS last_time
       FROM metric_points WHERE series_id = ?`,
      [s.id],
    );
    const lastRow = await tx.get<{ value: number | null }>(
      'SELECT value FROM metric_points WHERE series_id = ? ORDER BY step DESC LIMIT 1',
      [s.id],
    );
    if (!agg) throw new Error(`series ${s.id} has no aggregate`);
    await tx.run(
      `UPDATE series SET count = ?, min_step = ?, max_step = ?, last_value = ?, min_value = ?, max_value = ?,
         first_time = ?, last_time = ? WHERE id = ?`,
      [
        agg.n,
        agg.min_step,
        agg.max_step,
        lastRow?.value ?? null,
        agg.min_value,
        agg.max_value,
        agg.first_time,
        agg.last_time,
        s.id,
      ],
    );
  }

  async listSeries(runId: number): Promise<SeriesSummary[]> {
    checkId(runId, 'run');
    const rows = await this.db.all<SeriesRow>(
      'SELECT * FROM series WHERE run_id = ? AND count > 0 ORDER BY key',
      [runId],
    );
    return rows.map(toSummary);
  }

  async getSeries(runId: number, key: string, options: SeriesOptions = {}): Promise<Series> {
    checkId(runId, 'run');
    const maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
    const xAxis = options.xAxis ?? 'step';
    if (!Number.isInteger(maxPoints) || maxPoints < 4) {
      throw new UserError(`expected an integer >= 4, got ${maxPoints}`, { field: 'maxPoints' });
    }
    if (xAxis !== 'step' && xAxis !== 'time') {
      throw new UserError(`expected 'step' or 'time', got '${String(xAxis)}'`, { field: 'xAxis' });
    }
    const empty: Series = {
      runId,
      key,
      xAxis,
      totalPoints: 0,
      downsampled: false,
      steps: [],
      values: [],
      times: [],
    };
    const s = await this.db.get<SeriesRow>('SELECT * FROM series WHERE run_id = ? AND key = ?', [runId, key]);
    if (!s || s.count === 0 || s.min_step === null || s.max_step === null) return empty;
    const fullLo = xAxis === 'step' ? s.min_step : (s.first_time ?? 0);
    const fullHi = xAxis === 'step' ? s.max_step : (s.last_time ?? 0);
    let lo = Math.max(fullLo, options.xMin ?? Number.NEGATIVE_INFINITY);
    let hi = Math.min(fullHi, options.xMax ?? Number.POSITIVE_INFINITY);
    if (xAxis === 'step') {
      lo = Math.ceil(lo);
      hi = Math.floor(hi);
    }
    if (lo > hi) return empty;
    const x = xAxis === 'step' ? 'step' : 'wall_time';
    const whole = lo === fullLo && hi === fullHi;
    const total = whole
      ? s.count
      : ((
          await this.db.get<{ n: number }>(
            `SELECT count(*) AS n FROM metric_points WHERE series_id = ? AND ${x} >= ? AND ${x} <= ?`,
            [s.id, lo, hi],
          )
        )?.n ?? 0);
    const rows =
      total <= maxPoints
        ? await this.db.all<PointRow>(
            `SELECT step, value, wall_time FROM metric_points WHERE series_id = ? AND ${x} >= ? AND ${x} <= ? ORDER BY ${x}`,
            [s.id, lo, hi],
          )
        : await (() => {
            const q = downsampleQuery(this.db.dialect, { seriesId: s.id, xAxis, lo, hi, maxPoints });
            return this.db.all<PointRow>(q.sql, q.params);
          })();
    return {
      runId,
      key,
      xAxis,
      totalPoints: total,
      downsampled: rows.length < total,
      steps: rows.map((r) => r.step),
      values: rows.map((r) => r.value),
      times: rows.map((r) => r.wall_time),
    };
  }

  async compareRuns(ids: number[], options: CompareOptions = {}): Promise<RunComparison> {
    for (const id of ids) checkId(id, 'runs');
    await this.markCrashedRuns();
    const runs = await this.pageDetails([...new Set(ids)]);
    const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
    const metricKeys = options.keys ?? [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
    const comparison: RunComparison = {
      runs,
      params: paramKeys.map((key) => {
        const values = runs.map((r) => r.params[key] ?? null);
        return { key, values, differs: new Set(values).size > 1 };
      }),
      metrics: metricKeys.map((key) => ({ key, summaries: runs.map((r) => r.metrics[key] ?? null) })),
    };
    if (options.series) {
      const seriesOptions = options.series === true ? {} : options.series;
      const series: Record<string, (Series | null)[]> = {};
      for (const key of metricKeys) {
        series[key] = await Promise.all(
          runs.map((r) => (r.metrics[key] ? this.getSeries(r.id, key, seriesOptions) : null)),
        );
      }
      comparison.series = series;
    }
    return comparison;
  }

  // ---- logs, artifacts, system metrics -----------------------------------------------

  async appendLogs(runId: number, lines: readonly LogLineInput[]): Promise<void> {
    if (lines.length === 0) return;
    const now = Date.now();
    const rows = lines.map((l, i): SqlParam[] => {
      const level = l.level ?? 'info';
      if (!LOG_LEVELS.includes(level)) {
        throw new UserError(`expected one of ${LOG_LEVELS.join(', ')}, got '${level}'`, {
          field: `lines[${i}].level`,
        });
      }
      return [runId, l.time ?? now, level, String(l.message)];
    });
    await this.db.transaction(async (tx) => {
      await this.requireRun(tx, runId);
      await tx.bulkInsert(
        'logs',
        [
          { name: 'run_id', type: 'int' },
          { name: 'time', type: 'float' },
          { name: 'level', type: 'text' },
          { name: 'message', type: 'text' },
        ],
        rows,
      );
    });
  }

  async tailLogs(runId: number, options: TailLogsOptions = {}): Promise<LogPage> {
    checkId(runId, 'run');
    const limit = options.limit ?? 200;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      throw new UserError(`expected an integer in [1, 10000], got ${limit}`, { field: 'limit' });
    }
    const rows =
      options.afterSeq === undefined
        ? (
            await this.db.all<LogLine>(
              'SELECT seq, time, level, message FROM logs WHERE run_id = ? ORDER BY seq DESC LIMIT ?',
              [runId, limit],
            )
          ).reverse()
        : await this.db.all<LogLine>(
            'SELECT seq, time, level, message FROM logs WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?',
            [runId, options.afterSeq, limit],
          );
    const lastSeq = rows[rows.length - 1]?.seq;
    return { lines: rows, nextSeq: lastSeq ?? options.afterSeq ?? 0 };
  }

  async addArtifact(runId: number, artifact: ArtifactInput): Promise<Artifact> {
    if (!/^[0-9a-f]{64}$/.test(artifact.sha256)) {
      throw new UserError(`expected 64 lowercase hex digits, got '${artifact.sha256}'`, { field: 'sha256' });
    }
    if (!Number.isSafeInteger(artifact.bytes) || artifact.bytes < 0) {
      throw new UserError(`expected a non-negative integer, got ${artifact.bytes}`, { field: 'bytes' });
    }
    const createdAt = artifact.createdAt ?? Date.now();
    const id = await this.db.transaction(async (tx) => {
      await this.requireRun(tx, runId);
      const row = await tx.get<{ id: number }>(
        `INSERT INTO artifacts (run_id, path, kind, bytes, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, path) DO UPDATE SET kind = excluded.kind, bytes = excluded.bytes,
           sha256 = excluded.sha256, created_at = excluded.created_at
         RETURNING id`,
        [runId, artifact.path, artifact.kind, artifact.bytes, artifact.sha256, createdAt],
      );
      if (!row) throw new Error('INSERT ... RETURNING returned no row');
      return row.id;
    });
    return {
      id,
      runId,
      path: artifact.path,
      kind: artifact.kind,
      bytes: artifact.bytes,
      sha256: artifact.sha256,
      createdAt,
    };
  }

  async listArtifacts(runId: number): Promise<Artifact[]> {
    checkId(runId, 'run');
    const rows = await this.db.all<{
      id: number;
      run_id: number;
      path: string;
      kind: Artifact['kind'];
      bytes: number;
      sha256: string;
      created_at: number;
    }>('SELECT * FROM artifacts WHERE run_id = ? ORDER BY created_at, id', [runId]);
    return rows.map((r) => ({
      id: r.id,
      runId: r.run_id,
      path: r.path,
      kind: r.kind,
      bytes: r.bytes,
      sha256: r.sha256,
      createdAt: r.created_at,
    }));
  }

  async logSystemMetrics(runId: number, samples: readonly SystemSampleInput[]): Promise<void> {
    if (samples.length === 0) return;
    const now = Date.now();
    await this.db.transaction(async (tx) => {
      await this.requireRun(tx, runId);
      await tx.bulkInsert(
        'system_metrics',
        [
          { name: 'run_id', type: 'int' },
          { name: 'time', type: 'float' },
          { name: 'cpu_percent', type: 'float' },
          { name: 'rss_bytes', type: 'int' },
          { name: 'heap_used_bytes', type: 'int' },
          { name: 'heap_total_bytes', type: 'int' },
          { name: 'gpu_util_percent', type: 'float' },
          { name: 'gpu_mem_bytes', type: 'int' },
        ],
        samples.map((s) => [
          runId,
          s.time ?? now,
          s.cpuPercent,
          Math.round(s.rssBytes),
          Math.round(s.heapUsedBytes),
          Math.round(s.heapTotalBytes),
          s.gpuUtilPercent ?? null,
          s.gpuMemBytes === undefined || s.gpuMemBytes === null ? null : Math.round(s.gpuMemBytes),
        ]),
      );
    });
  }

  async getSystemMetrics(runId: number, options: SystemMetricsOptions = {}): Promise<SystemSample[]> {
    checkId(runId, 'run');
    const maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
    const rows = await this.db.all<{
      time: number;
      cpu_percent: number;
      rss_bytes: number;
      heap_used_bytes: number;
      heap_total_bytes: number;
      gpu_util_percent: number | null;
      gpu_mem_bytes: number | null;
    }>('SELECT * FROM system_metrics WHERE run_id = ? ORDER BY time', [runId]);
    const samples = rows.map((r) => ({
      time: r.time,
      cpuPercent: r.cpu_percent,
      rssBytes: r.rss_bytes,
      heapUsedBytes: r.heap_used_bytes,
      heapTotalBytes: r.heap_total_bytes,
      gpuUtilPercent: r.gpu_util_percent,
      gpuMemBytes: r.gpu_mem_bytes,
    }));
    if (samples.length <= maxPoints) return samples;
    // Samples are few per run (one every few seconds); averaging consecutive groups suffices.
    const group = Math.ceil(samples.length / maxPoints);
    const out: SystemSample[] = [];
    for (let i = 0; i < samples.length; i += group) {
      const chunk = samples.slice(i, i + group);
      const mean = (f: (s: SystemSample) => number) => chunk.reduce((a, s) => a + f(s), 0) / chunk.length;
      const meanOrNull = (f: (s: SystemSample) => number | null) => {
        const vals = chunk.map(f).filter((v): v is number => v !== null);
        return vals.length === 0 ? null : vals.reduce((a, b) => a + b, 0) / vals.length;
      };
      out.push({
        time: mean((s) => s.time),
        cpuPercent: mean((s) => s.cpuPercent),
        rssBytes: Math.max(...chunk.map((s) => s.rssBytes)),
        heapUsedBytes: Math.max(...chunk.map((s) => s.heapUsedBytes)),
        heapTotalBytes: Math.max(...chunk.map((s) => s.heapTotalBytes)),
        gpuUtilPercent: meanOrNull((s) => s.gpuUtilPercent),
        gpuMemBytes: meanOrNull((s) => s.gpuMemBytes),
      });
    }
    return out;
  }

  async exportRun(id: number): Promise<RunExport | null> {
    const run = await this.getRun(id);
    if (!run) return null;
    const seriesRows = await this.db.all<SeriesRow>('SELECT * FROM series WHERE run_id = ? ORDER BY key', [
      id,
    ]);
    const series: RunExport['series'] = [];
    for (const s of seriesRows) {
      const points = await this.db.all<PointRow>(
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
    const logs = await this.db.all<LogLine>(
      'SELECT seq, time, level, message FROM logs WHERE run_id = ? ORDER BY seq',
      [id],
    );
    return {
      format: 'glorank-run/1',
      run,
      series,
      logs,
      artifacts: await this.listArtifacts(id),
      system: await this.getSystemMetrics(id, { maxPoints: Number.MAX_SAFE_INTEGER }),
    };
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
