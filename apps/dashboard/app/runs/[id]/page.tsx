import { loadApi } from '@/server/api-context';
import { RunView } from '@/views/run-view';

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const idText = decodeURIComponent(id);
  // The run is read here, in the server, and sent with the page: the browser starts on curves
  // and logs at once instead of first asking for the run (one round trip less before the
  // page is usable). Any error is left to the browser's own request, which shows it.
  let initial: unknown = null;
  if (/^\d+$/.test(idText)) {
    try {
      const { api, ctx } = await loadApi();
      // JSON round trip: the same values the browser would get over tRPC (NaN as null).
      initial = JSON.parse(JSON.stringify(await api.createCaller(ctx).run.get({ id: Number(idText) })));
    } catch {
      initial = null;
    }
  }
  return <RunView idText={idText} initial={initial as never} />;
}
