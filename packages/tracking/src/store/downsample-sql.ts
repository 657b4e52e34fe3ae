// Server-side downsampling of one metric series: the x range is cut into equal buckets and
// each bucket keeps its lowest and highest point (so spikes and dips survive at any zoom),
// plus the first and last point of the range. One statement, one scan per extreme.
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

export function downsampleQuery(dialect: Dialect, req: DownsampleRequest): SqlQuery {
  const x = req.xAxis === 'step' ? 'step' : 'wall_time';
  const buckets = bucketCount(req.maxPoints);
  // Steps are integers, so the span counts both ends; times are continuous.
  const span = req.xAxis === 'step' ? req.hi - req.lo + 1 : req.hi - req.lo || 1;
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
