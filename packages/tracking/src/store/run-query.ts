// Builds the WHERE / ORDER BY of listRuns from typed filter and sort options. Values always
// travel as parameters; only whitelisted column names are spliced into the SQL.
import { UserError } from '@glorank/base';
import type { CompareOp, ListRunsOptions, MetricAgg, RunSortField, RunStatus } from '../types.js';
import { RUN_STATUSES } from '../types.js';
import type { SqlParam } from './sql-driver.js';

const OPS: readonly CompareOp[] = ['=', '!=', '<', '<=', '>', '>='];
const AGG_COLUMN: Record<MetricAgg, string> = { last: 'last_value', min: 'min_value', max: 'max_value' };
const SORT_COLUMN: Record<RunSortField, string> = {
  id: 'r.id',
  name: 'r.name',
  status: 'r.status',
  startedAt: 'r.started_at',
  endedAt: 'r.ended_at',
  heartbeatAt: 'r.heartbeat_at',
};

/** Pieces of `SELECT ... FROM runs r JOIN experiments e {sortJoin} {where} ORDER BY {orderBy}`. */
export interface RunQuery {
  /** `WHERE ...` or ''. */
  where: string;
  whereParams: SqlParam[];
  /** Join needed only for sorting (its parameters come first). */
  sortJoin: string;
  sortParams: SqlParam[];
  orderBy: string;
}

function op(value: CompareOp | undefined, field: string): string {
  const o = value ?? '=';
  if (!OPS.includes(o)) throw new UserError(`expected one of ${OPS.join(' ')}, got '${o}'`, { field });
  return o;
}

function agg(value: MetricAgg, field: string): string {
  const col = AGG_COLUMN[value];
  if (!col) throw new UserError(`expected last, min or max, got '${value}'`, { field });
  return col;
}

function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function buildRunQuery(options: ListRunsOptions): RunQuery {
  const f = options.filter ?? {};
  const where: string[] = [];
  const params: SqlParam[] = [];
  if (f.status !== undefined) {
    const list: RunStatus[] = Array.isArray(f.status) ? f.status : [f.status];
    for (const s of list) {
      if (!RUN_STATUSES.includes(s)) {
        throw new UserError(`expected one of ${RUN_STATUSES.join(', ')}, got '${s}'`, { field: 'status' });
      }
    }
    if (list.length === 0) where.push('1 = 0');
    else {
      where.push(`r.status IN (${list.map(() => '?').join(', ')})`);
      params.push(...list);
    }
  }
  if (f.experimentId !== undefined) {
    where.push('r.experiment_id = ?');
    params.push(f.experimentId);
  }
  if (f.experiment !== undefined) {
    where.push('e.name = ?');
    params.push(f.experiment);
  }
  if (f.ids !== undefined) {
    if (f.ids.length === 0) where.push('1 = 0');
    else {
      where.push(`r.id IN (${f.ids.map(() => '?').join(', ')})`);
      params.push(...f.ids);
    }
  }
  if (f.nameContains !== undefined && f.nameContains.length > 0) {
    where.push(`lower(r.name) LIKE ? ESCAPE '\\'`);
    params.push(`%${likeEscape(f.nameContains.toLowerCase())}%`);
  }
  for (const tag of f.tags ?? []) {
    where.push('EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.tag = ?)');
    params.push(tag);
  }
  for (const [i, p] of (f.params ?? []).entries()) {
    const o = op(p.op, `params[${i}].op`);
    if (typeof p.value === 'number') {
      where.push(
        `EXISTS (SELECT 1 FROM params p WHERE p.run_id = r.id AND p.key = ? AND p.num_value ${o} ?)`,
      );
    } else {
      where.push(`EXISTS (SELECT 1 FROM params p WHERE p.run_id = r.id AND p.key = ? AND p.value ${o} ?)`);
    }
    params.push(p.key, typeof p.value === 'boolean' ? String(p.value) : p.value);
  }
  for (const [i, m] of (f.metrics ?? []).entries()) {
    const col = agg(m.agg, `metrics[${i}].agg`);
    const o = op(m.op, `metrics[${i}].op`);
    where.push(`EXISTS (SELECT 1 FROM series s WHERE s.run_id = r.id AND s.key = ? AND s.${col} ${o} ?)`);
    params.push(m.key, m.value);
  }

  const sort = options.sort ?? { by: 'startedAt', dir: 'desc' };
  const dir = sort.dir === 'asc' ? 'ASC' : 'DESC';
  let sortJoin = '';
  const sortParams: SqlParam[] = [];
  let orderBy: string;
  if (sort.by === 'metric') {
    const col = agg(sort.agg, 'sort.agg');
    sortJoin = 'LEFT JOIN series ms ON ms.run_id = r.id AND ms.key = ?';
    sortParams.push(sort.key);
    // `(x IS NULL)` sorts runs without the value last in both dialects.
    orderBy = `(ms.${col} IS NULL), ms.${col} ${dir}, r.id DESC`;
  } else if (sort.by === 'param') {
    sortJoin = 'LEFT JOIN params ps ON ps.run_id = r.id AND ps.key = ?';
    sortParams.push(sort.key);
    orderBy = `(ps.value IS NULL), (ps.num_value IS NULL), ps.num_value ${dir}, ps.value ${dir}, r.id DESC`;
  } else {
    const col = SORT_COLUMN[sort.by];
    if (!col) {
      throw new UserError(`expected metric, param or one of ${Object.keys(SORT_COLUMN).join(', ')}`, {
        field: 'sort.by',
      });
    }
    orderBy = `(${col} IS NULL), ${col} ${dir}, r.id ${dir}`;
  }
  return {
    where: where.length > 0 ? `WHERE ${where.join(' AND ')}` : '',
    whereParams: params,
    sortJoin,
    sortParams,
    orderBy,
  };
}
