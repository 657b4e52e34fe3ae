// Runs table. The URL carries the query, sort and columns so a view can be shared.
import { RunsTable, type RunsView } from '@/views/runs-table';

type Search = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
const list = (v: string | string[] | undefined) =>
  (one(v) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

export default async function RunsPage({ searchParams }: { searchParams: Promise<Search> }) {
  const sp = await searchParams;
  const view: RunsView = {
    query: one(sp.q) ?? '',
    sortBy: one(sp.sort) ?? 'startedAt',
    sortKey: one(sp.key) ?? '',
    sortAgg: one(sp.agg) ?? 'last',
    dir: one(sp.dir) === 'asc' ? 'asc' : 'desc',
    metrics: sp.metrics === undefined ? null : list(sp.metrics),
    params: sp.params === undefined ? null : list(sp.params),
    group: one(sp.group) ?? '',
    pc: one(sp.pc) ?? '',
  };
  return (
    <>
      <h1>Runs</h1>
      <RunsTable initial={view} />
    </>
  );
}
