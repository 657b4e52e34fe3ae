// Shared by the SQL store's areas (store-*.ts): row shapes and their conversion, id checks,
// and the core every area holds (driver, clock, run lookups, the crashed-run sweep).
import { UserError } from '@glorank/base';
import type {
  JsonValue,
  LogLevel,
  ParamValue,
  RunRecord,
  RunStatus,
  RunSummary,
  SeriesSummary,
} from '../../types.js';
import type { SqlDriver, SqlExecutor } from '../sql-driver.js';

export interface RunRow {
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

export interface SeriesRow {
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

export interface PointRow {
  step: number;
  value: number | null;
  wall_time: number;
}

export const RUN_COLUMNS = `r.id, r.experiment_id, e.name AS experiment_name, r.name, r.status, r.config, r.code_version,
  r.dataset_hash, r.backend, r.host, r.pid, r.started_at, r.ended_at, r.heartbeat_at, r.heartbeat_timeout_ms, r.error`;

export const TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  running: ['finished', 'failed', 'crashed'],
  crashed: ['finished', 'failed', 'running'],
  finished: [],
  failed: [],
};

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_POINTS = 1000;

export function toRecord(row: RunRow, tags: string[]): RunRecord {
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

export function toSummary(row: SeriesRow): SeriesSummary {
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
export function storedValue(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

export function paramText(value: ParamValue): { text: string; num: number | null } {
  if (typeof value === 'number') return { text: String(value), num: Number.isFinite(value) ? value : null };
  if (typeof value === 'boolean') return { text: String(value), num: null };
  const trimmed = value.trim();
  const n = trimmed.length > 0 ? Number(trimmed) : Number.NaN;
  return { text: value, num: Number.isFinite(n) ? n : null };
}

export function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

export function checkId(id: number, field: string): void {
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new UserError(`expected a positive integer run id, got '${id}'`, { field });
  }
}

/** What every area shares: the driver, the clock, run lookups and the crashed-run sweep. */
export class SqlStoreCore {
  constructor(
    readonly db: SqlDriver,
    private readonly clock: (() => number) | null,
  ) {}

  /** SQL for "now": the injected clock's reading as a literal, else the database clock. */
  get nowSql(): string {
    if (this.clock === null) return this.db.nowMs;
    const t = this.clock();
    if (!Number.isSafeInteger(t) || t < 0) throw new Error(`store clock returned ${t}, expected integer ms`);
    return `(${t})`;
  }

  async ensureExperiment(tx: SqlExecutor, name: string, description: string | null): Promise<number> {
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

  async requireRecord(id: number, tx: SqlExecutor = this.db): Promise<RunRecord> {
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

  async requireRun(tx: SqlExecutor, id: number): Promise<void> {
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

  /** Records, tags, params and metric summaries for `ids`, in that order (missing ids dropped). */
  async pageDetails(ids: number[]): Promise<RunSummary[]> {
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
}
