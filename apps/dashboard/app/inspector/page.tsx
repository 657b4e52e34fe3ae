import { InspectorView } from '@/views/inspector-view';

type Search = Record<string, string | string[] | undefined>;

export default async function InspectorPage({ searchParams }: { searchParams: Promise<Search> }) {
  const sp = await searchParams;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
  return (
    <>
      <h1>Request inspector</h1>
      <InspectorView
        runText={first(sp.run)}
        dataset={first(sp.dataset)}
        requestText={first(sp.request)}
        split={first(sp.split) || 'test'}
        coldOnly={first(sp.cold) === '1'}
      />
    </>
  );
}
