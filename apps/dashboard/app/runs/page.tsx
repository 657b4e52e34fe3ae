// Runs table. The URL carries the query, sort and columns so a view can be shared.
import { ServerClockProvider } from '@/client/server-clock';
import { type RunsView, toInput } from '@/lib/runs-view';
import { loadApi } from '@/server/api-context';
import { serverClockNow } from '@/server/clock';
import { RunsTable } from '@/views/runs-table';

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
  // The first page is read here and sent with the page (one round trip less before the table
  // is usable); on any error the browser asks itself and shows the message.
  let prefetched: unknown = null;
  let compareLimit: number | null = null;
  try {
    const { api, ctx } = await loadApi();
    compareLimit = api.MAX_COMPARE_RUNS;
    prefetched = JSON.parse(
      JSON.stringify(await api.createCaller(ctx).runs.list({ ...toInput(view), offset: 0 })),
    );
  } catch {
    prefetched = null;
  }
  return (
    <>
      <h1>Runs</h1>
      {/* The rows' times are rendered with this server's clock and hydrated with it (useClock). */}
      <ServerClockProvider value={serverClockNow()}>
        <RunsTable initial={view} prefetched={prefetched as never} compareLimit={compareLimit} />
      </ServerClockProvider>
    </>
  );
}
