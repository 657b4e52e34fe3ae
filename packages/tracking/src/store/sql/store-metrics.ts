// The SQL store's metrics area.
import { UserError } from '@glorank/base';
import type {
  CompareOptions,
  MetricPoint,
  RunComparison,
  Series,
  SeriesOptions,
  SeriesSummary,
} from '../../types.js';
import { downsampleQuery } from '../downsample-sql.js';
import type { SqlExecutor } from '../sql-driver.js';
import {
  checkId,
  DEFAULT_MAX_POINTS,
  type PointRow,
  type SeriesRow,
  type SqlStoreCore,
  storedValue,
  toSummary,
} from './store-core.js';

/** Metric series: append points with summaries kept current, read (downsampled), compare runs. */
export class SqlMetrics {
  constructor(private readonly core: SqlStoreCore) {}

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
    await this.core.db.transaction(async (tx) => {
      await this.core.requireRun(tx, runId);
      for (const [key, steps] of byKey) await this.appendSeries(tx, runId, key, [...steps.values()]);
    });
  }

  private async appendSeries(tx: SqlExecutor, runId: number, key: string, rows: PointRow[]): Promise<void> {
    await tx.run(
      `INSERT INTO series (run_id, key, count) VALUES (?, ?, 0) ON CONFLICT (run_id, key) DO NOTHING`,
      [runId, key],
    );
    const s = await tx.get<SeriesRow>(
      `SELECT * FROM series WHERE run_id = ? AND key = ?${this.core.db.forUpdate}`,
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
    const rows = await this.core.db.all<SeriesRow>(
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
    const s = await this.core.db.get<SeriesRow>('SELECT * FROM series WHERE run_id = ? AND key = ?', [
      runId,
      key,
    ]);
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
          await this.core.db.get<{ n: number }>(
            `SELECT count(*) AS n FROM metric_points WHERE series_id = ? AND ${x} >= ? AND ${x} <= ?`,
            [s.id, lo, hi],
          )
        )?.n ?? 0);
    const rows =
      total <= maxPoints
        ? await this.core.db.all<PointRow>(
            `SELECT step, value, wall_time FROM metric_points WHERE series_id = ? AND ${x} >= ? AND ${x} <= ? ORDER BY ${x}`,
            [s.id, lo, hi],
          )
        : await (() => {
            const q = downsampleQuery(this.core.db.dialect, { seriesId: s.id, xAxis, lo, hi, maxPoints });
            return this.core.db.all<PointRow>(q.sql, q.params);
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
    await this.core.markCrashedRuns();
    const runs = await this.core.pageDetails([...new Set(ids)]);
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
}
