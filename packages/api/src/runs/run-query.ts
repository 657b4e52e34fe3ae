// The runs table's search box: a small filter language in the spirit of MLflow's search
// syntax, parsed here (server side) into the run store's RunFilter. Every mistake names the
// term and what was expected, so the dashboard can show it instead of an empty table.
//
//   status:finished,running   tag:baseline   experiment:ml-1m   id:3,4   name:"sft lr"
//   params.lr>=0.001   params.method=glorank   metrics.test/ndcg@6.max>30   free words
import type { CompareOp, MetricAgg, MetricFilter, ParamFilter, RunFilter, RunStatus } from '@glorank/tracking';

export class RunQueryError extends Error {
  override readonly name = 'RunQueryError';
  constructor(
    message: string,
    /** 0-based character offset of the offending term. */
    readonly position: number,
  ) {
    super(`${message} (at character ${position + 1})`);
  }
}

const STATUSES: readonly RunStatus[] = ['running', 'finished', 'failed', 'crashed'];
const AGGS: readonly MetricAgg[] = ['last', 'min', 'max'];
const OP = '>=|<=|!=|==|=|<|>';
const VALUE = '"[^"]*"|[^\\s"]+';
// One term, tried at the current position (sticky): comparison, field:value, quoted or bare word.
const TERM = new RegExp(
  `\\s*(?:(params?|metrics?)\\.([^\\s<>=!"]+)\\s*(${OP})\\s*(${VALUE})|([a-zA-Z_]+):(${VALUE})|"([^"]*)"|([^\\s"]+))`,
  'y',
);

const unquote = (v: string) => (v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1) : v);

/** Parse the search box text into a RunFilter (an empty or blank query matches every run). */
export function parseRunQuery(query: string): RunFilter {
  const filter: RunFilter = {};
  const words: string[] = [];
  const params: ParamFilter[] = [];
  const metrics: MetricFilter[] = [];
  const tags: string[] = [];
  let pos = 0;
  while (pos < query.length) {
    if (/^\s*$/.test(query.slice(pos))) break;
    TERM.lastIndex = pos;
    const m = TERM.exec(query);
    if (!m) throw new RunQueryError(`unterminated quote in '${query.slice(pos).trim()}'`, pos);
    const start = pos + (m[0].length - m[0].trimStart().length);
    pos = TERM.lastIndex;
    const [, kind, key, rawOp, rawValue, field, fieldValue, quoted, bare] = m;
    if (kind !== undefined && key !== undefined && rawOp !== undefined && rawValue !== undefined) {
      const op = (rawOp === '==' ? '=' : rawOp) as CompareOp;
      const value = unquote(rawValue);
      if (kind.startsWith('param')) {
        const asNumber = Number(value);
        const numeric = !rawValue.startsWith('"') && value !== '' && Number.isFinite(asNumber);
        params.push({ key, op, value: numeric ? asNumber : value });
      } else {
        const dot = key.lastIndexOf('.');
        const suffix = dot > 0 ? key.slice(dot + 1) : '';
        const agg = (AGGS as readonly string[]).includes(suffix) ? (suffix as MetricAgg) : 'last';
        const metricKey = agg === suffix ? key.slice(0, dot) : key;
        const n = Number(value);
        if (value === '' || !Number.isFinite(n)) {
          throw new RunQueryError(`metric filter '${m[0].trim()}' needs a number after '${rawOp}'`, start);
        }
        metrics.push({ key: metricKey, agg, op, value: n });
      }
    } else if (field !== undefined && fieldValue !== undefined) {
      const value = unquote(fieldValue);
      switch (field.toLowerCase()) {
        case 'status': {
          const list = value.split(',').filter((s) => s.length > 0);
          const bad = list.find((s) => !(STATUSES as readonly string[]).includes(s));
          if (bad !== undefined || list.length === 0) {
            throw new RunQueryError(`unknown status '${bad ?? ''}' (expected ${STATUSES.join(', ')})`, start);
          }
          filter.status = list as RunStatus[];
          break;
        }
        case 'tag':
          tags.push(value);
          break;
        case 'experiment':
          filter.experiment = value;
          break;
        case 'name':
          words.push(value);
          break;
        case 'id': {
          const ids = value.split(',').map(Number);
          if (ids.length === 0 || ids.some((n) => !Number.isInteger(n) || n < 1)) {
            throw new RunQueryError(`id:${value} must list positive integers separated by commas`, start);
          }
          filter.ids = ids;
          break;
        }
        default:
          throw new RunQueryError(
            `unknown filter '${field}:' (expected status:, tag:, experiment:, id:, name:, params.<key>, metrics.<key>)`,
            start,
          );
      }
    } else if (quoted !== undefined) {
      words.push(quoted);
    } else if (bare !== undefined) {
      if (/[<>=!]/.test(bare)) {
        throw new RunQueryError(
          `cannot read '${bare}': comparisons need params.<key> or metrics.<key>[.last|.min|.max] on the left`,
          start,
        );
      }
      if (bare.toLowerCase() !== 'and') words.push(bare);
    }
  }
  if (words.length > 0) filter.nameContains = words.join(' ');
  if (params.length > 0) filter.params = params;
  if (metrics.length > 0) filter.metrics = metrics;
  if (tags.length > 0) filter.tags = tags;
  return filter;
}
