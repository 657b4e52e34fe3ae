// The runs table's view (filter, sort, columns, grouping) and how it maps to the runs.list
// input and to the address. Shared by the page (which reads the first page in the server)
// and the table in the browser, so both ask for exactly the same thing.
import type { trpc } from '@/client/trpc-client';

export interface RunsView {
  query: string;
  sortBy: string;
  sortKey: string;
  sortAgg: string;
  dir: 'asc' | 'desc';
  /** null: let the server pick the most common keys. */
  metrics: string[] | null;
  params: string[] | null;
  /** Group rows by 'experiment', 'status' or 'params.<key>' ('' for no grouping). */
  group: string;
  /** Metric of the parallel-coordinates view of the param columns ('' for none). */
  pc: string;
}

export const PAGE = 100;

/**
 * The address of the compare page for these runs. `limit` is the API's cap on runs per
 * compare (MAX_COMPARE_RUNS in @glorank/api, read by the server page and passed down; null
 * when the server could not read it): beyond it, the first `limit` runs.
 */
export function compareHref(ids: readonly number[], limit: number | null): string {
  const shown = limit === null ? ids : ids.slice(0, limit);
  return `/compare?ids=${shown.join(',')}`;
}

export type ListInput = Parameters<typeof trpc.runs.list.query>[0];

export function toInput(v: RunsView): ListInput {
  const dir = v.dir;
  let sort: ListInput['sort'];
  if (v.sortBy === 'metric') sort = { by: 'metric', key: v.sortKey, agg: v.sortAgg as 'last', dir };
  else if (v.sortBy === 'param') sort = { by: 'param', key: v.sortKey, dir };
  else sort = { by: v.sortBy as 'startedAt', dir };
  return {
    query: v.query,
    sort,
    limit: PAGE,
    ...(v.metrics ? { metricKeys: v.metrics } : {}),
    ...(v.params ? { paramKeys: v.params } : {}),
  };
}

export function toSearch(v: RunsView): string {
  const p = new URLSearchParams();
  if (v.query) p.set('q', v.query);
  if (v.sortBy !== 'startedAt' || v.dir !== 'desc') {
    p.set('sort', v.sortBy);
    p.set('dir', v.dir);
    if (v.sortBy === 'metric' || v.sortBy === 'param') p.set('key', v.sortKey);
    if (v.sortBy === 'metric') p.set('agg', v.sortAgg);
  }
  if (v.metrics) p.set('metrics', v.metrics.join(','));
  if (v.params) p.set('params', v.params.join(','));
  if (v.group) p.set('group', v.group);
  if (v.pc) p.set('pc', v.pc);
  const s = p.toString();
  return s ? `?${s}` : '';
}
