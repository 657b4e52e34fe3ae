import { ExperimentResults } from '@/views/experiments-view';

type Search = Record<string, string | string[] | undefined>;

export default async function ExperimentPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Search>;
}) {
  const { id } = await params;
  const sp = await searchParams;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  return (
    <ExperimentResults
      idText={decodeURIComponent(id)}
      prefix={first(sp.prefix) ?? null}
      reference={first(sp.reference) ?? null}
    />
  );
}
