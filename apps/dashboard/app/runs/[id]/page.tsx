import { ServerClockProvider } from '@/client/server-clock';
import { chartKeys } from '@/lib/chart-data';
import { loadApi } from '@/server/api-context';
import { serverClockNow } from '@/server/clock';
import { RunView } from '@/views/run-view';

/**
 * Curves are sent with the page only up to this many points in all (about 40 bytes each in
 * the page); a run with more has its browser ask for them, so a long run's page stays small.
 */
const PAGE_POINTS = 6000;
const MAX_POINTS = 1000;

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const idText = decodeURIComponent(id);
  // The run, its curves and its log tail are read here, in the server, and sent with the page:
  // the browser draws them right after start-up instead of first asking for the run and then
  // for its curves and logs (two round trips less before the page is usable, each slow on a
  // loaded machine). Any error is left to the browser's own requests, which show it.
  let initial: unknown = null;
  if (/^\d+$/.test(idText)) {
    try {
      const { api, ctx } = await loadApi();
      const caller = api.createCaller(ctx);
      const got = await caller.run.get({ id: Number(idText) });
      const keys = chartKeys(got.run.metrics);
      const points = keys.reduce((n, k) => n + Math.min(got.run.metrics[k]?.count ?? 0, MAX_POINTS), 0);
      const [curves, tail] = await Promise.all([
        keys.length > 0 && points <= PAGE_POINTS
          ? caller.run.series({ id: got.run.id, keys, maxPoints: MAX_POINTS })
          : null,
        caller.run.logs({ id: got.run.id, limit: 200 }),
      ]);
      // JSON round trip: the same values the browser would get over tRPC (NaN as null).
      initial = JSON.parse(JSON.stringify({ ...got, start: { keys, curves, tail } }));
    } catch {
      initial = null;
    }
  }
  // The run's times are written with this server's clock and hydrated with it (useClock).
  return (
    <ServerClockProvider value={serverClockNow()}>
      <RunView idText={idText} initial={initial as never} />
    </ServerClockProvider>
  );
}
