// Server-side downsampling of one metric series: the x range is cut into equal buckets and
// each bucket keeps its lowest and highest point (so spikes and dips survive at any zoom),
// plus the first and last point of the range. One statement per request.
import type { SeriesXAxis } from '../types.js';
import type { Dialect, SqlParam } from './sql-driver.js';

export interface DownsampleRequest {
  seriesId: number;
  xAxis: SeriesXAxis;
  /** Inclusive x range actually present in the series. */
  lo: number;
  hi: number;
  maxPoints: number;
}

export interface SqlQuery {
  sql: string;
  params: SqlParam[];
}

/** Buckets used for `maxPoints`: two points per bucket plus the two end points. */
export function bucketCount(maxPoints: number): number {
  return Math.max(1, Math.floor((maxPoints - 2) / 2));
}

/**
 * Step axis: bucket i covers steps [lo + floor(i*span/n), lo + floor((i+1)*span/n) - 1] with
 * span = hi - lo + 1, so bucket edges are exact integers. Each bucket's extremes come from a
 * correlated query over a primary-key range, so the series is never sorted or hashed as a
 * whole. SQLite takes the row of min()/max() directly ("bare columns", 2-3x faster than
 * ORDER BY ... LIMIT 1 there); PostgreSQL uses ORDER BY ... LIMIT 1.
 */
function stepQuery(dialect: Dialect, req: DownsampleRequest): SqlQuery {
  const buckets = bucketCount(req.maxPoints);
  const span = req.hi - req.lo + 1;
  const int = 'CAST(? AS BIGINT)';
  const inBucket = 'series_id = p.sid AND step BETWEEN p.a AND p.z';
  const inRange = 'series_id = p.sid AND step BETWEEN p.lo AND p.hi';
  const extreme = (fn: 'min' | 'max') =>
    dialect === 'sqlite'
      ? `(SELECT step FROM (SELECT step, ${fn}(value) FROM metric_points WHERE ${inBucket}))`
      : `(SELECT step FROM metric_points WHERE ${inBucket} ORDER BY value ${fn === 'min' ? 'ASC' : 'DESC'} NULLS LAST LIMIT 1)`;
  return {
    sql: `WITH RECURSIVE b(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM b WHERE i + 1 < ${int}),
p AS (
  SELECT ${int} AS sid, ${int} AS lo, ${int} AS hi,
    ${int} + i * ${int} / ${int} AS a, ${int} + (i + 1) * ${int} / ${int} - 1 AS z
  FROM b
),
picks AS (
  SELECT ${extreme('min')} AS s FROM p
  UNION SELECT ${extreme('max')} FROM p
  UNION SELECT (SELECT step FROM metric_points WHERE ${inRange} ORDER BY step ASC LIMIT 1) FROM p WHERE p.a = p.lo
  UNION SELECT (SELECT step FROM metric_points WHERE ${inRange} ORDER BY step DESC LIMIT 1) FROM p WHERE p.a = p.lo
)
SELECT m.step, m.value, m.wall_time FROM picks JOIN metric_points m ON m.series_id = ${int} AND m.step = picks.s
ORDER BY m.step`,
    params: [
      buckets,
      req.seriesId,
      req.lo,
      req.hi,
      req.lo,
      span,
      buckets,
      req.lo,
      span,
      buckets,
      req.seriesId,
    ],
  };
}

export function downsampleQuery(dialect: Dialect, req: DownsampleRequest): SqlQuery {
  if (req.xAxis === 'step') return stepQuery(dialect, req);
  // Time axis: no index on wall_time (it would slow every write), so bucket in one scan.
  const x = 'wall_time';
  const buckets = bucketCount(req.maxPoints);
  const span = req.hi - req.lo || 1;
  const scale = buckets / span;
  const range = `series_id = ? AND ${x} >= ? AND ${x} <= ?`;
  const rangeParams: SqlParam[] = [req.seriesId, req.lo, req.hi];
  const endPoint = (dir: 'ASC' | 'DESC') =>
    `SELECT * FROM (SELECT step, value, wall_time FROM metric_points WHERE ${range} ORDER BY ${x} ${dir} LIMIT 1) e${dir}`;
  if (dialect === 'sqlite') {
    // SQLite returns the other columns of the row holding min()/max() ("bare columns").
    const bucketed = `SELECT step, value, wall_time, min(?, CAST((${x} - CAST(? AS REAL)) * ? AS INTEGER)) AS b FROM metric_points WHERE ${range}`;
    const bucketParams: SqlParam[] = [buckets - 1, req.lo, scale, ...rangeParams];
    return {
      sql: `SELECT step, value, wall_time FROM (
  SELECT step, min(value) AS value, wall_time FROM (${bucketed}) GROUP BY b
  UNION SELECT step, max(value) AS value, wall_time FROM (${bucketed}) GROUP BY b
  UNION ${endPoint('ASC')}
  UNION ${endPoint('DESC')}
) ORDER BY ${x}`,
      params: [...bucketParams, ...bucketParams, ...rangeParams, ...rangeParams],
    };
  }
  const bucketed = `SELECT step, value, wall_time, LEAST(CAST(? AS BIGINT), floor((${x} - CAST(? AS DOUBLE PRECISION)) * CAST(? AS DOUBLE PRECISION))::bigint) AS b FROM metric_points WHERE ${range}`;
  return {
    sql: `WITH p AS (${bucketed})
SELECT step, value, wall_time FROM (SELECT DISTINCT ON (b) step, value, wall_time FROM p ORDER BY b, value ASC NULLS LAST) lo
UNION SELECT step, value, wall_time FROM (SELECT DISTINCT ON (b) step, value, wall_time FROM p ORDER BY b, value DESC NULLS LAST) hi
UNION ${endPoint('ASC')}
UNION ${endPoint('DESC')}
ORDER BY ${x}`,
    params: [buckets - 1, req.lo, scale, ...rangeParams, ...rangeParams, ...rangeParams],
  };
}
