import { CompareView } from '@/views/compare-view';

type Search = Record<string, string | string[] | undefined>;

export default async function ComparePage({ searchParams }: { searchParams: Promise<Search> }) {
  const sp = await searchParams;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));
  return (
    <>
      <h1>Compare runs</h1>
      <CompareView
        idsText={first(sp.ids)}
        keysText={sp.keys === undefined ? null : first(sp.keys)}
        group={first(sp.group)}
      />
    </>
  );
}
